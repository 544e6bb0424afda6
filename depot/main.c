/* Placeholder until the sync issue lands. */
#include <stdio.h>

int
main(void)
{
	fputs("fieldcheck-depot: not built yet\n", stderr);
	return 1;
}
