/*
 * Private to store/: libpq, loaded when a PostgreSQL database is first
 * opened rather than linked.  fieldcheck is also the handheld's screen,
 * whose resident size has a budget (make bench: tui.peak_rss), and libpq
 * with the two dozen libraries it needs (OpenSSL, Kerberos, LDAP...) adds
 * about 5.5 MiB to every process that links it, whether or not it ever
 * connects.  So the library is opened with dlopen() by the supervisor's
 * commands and the depot when --db names PostgreSQL, and never otherwise.
 *
 * The code calls libpq by its own names: the macros below send each call
 * through the table pg_api_load() fills.
 */
#ifndef FIELDCHECK_PG_API_H
#define FIELDCHECK_PG_API_H

#include <libpq-fe.h>

#define PG_API_FUNCTIONS(X) \
	X(PQclear, void, (PGresult *)) \
	X(PQcmdTuples, char *, (PGresult *)) \
	X(PQconnectdb, PGconn *, (const char *)) \
	X(PQerrorMessage, char *, (const PGconn *)) \
	X(PQexec, PGresult *, (PGconn *, const char *)) \
	X(PQexecParams, PGresult *, (PGconn *, const char *, int, const Oid *, \
	    const char *const *, const int *, const int *, int)) \
	X(PQfinish, void, (PGconn *)) \
	X(PQgetisnull, int, (const PGresult *, int, int)) \
	X(PQgetlength, int, (const PGresult *, int, int)) \
	X(PQgetvalue, char *, (const PGresult *, int, int)) \
	X(PQntuples, int, (const PGresult *)) \
	X(PQreset, void, (PGconn *)) \
	X(PQresultErrorField, char *, (const PGresult *, int)) \
	X(PQresultErrorMessage, char *, (const PGresult *)) \
	X(PQresultStatus, ExecStatusType, (const PGresult *)) \
	X(PQstatus, ConnStatusType, (const PGconn *))

struct pg_api {
#define PG_API_MEMBER(name, ret, args) ret (*name) args;
	PG_API_FUNCTIONS(PG_API_MEMBER)
#undef PG_API_MEMBER
};

extern struct pg_api pg_api;

/* Loads libpq once (thread-safe); 0, or -1 with *cause naming what is missing. */
int pg_api_load(char **cause);

#ifndef PG_API_NO_MACROS
#define PQclear (pg_api.PQclear)
#define PQcmdTuples (pg_api.PQcmdTuples)
#define PQconnectdb (pg_api.PQconnectdb)
#define PQerrorMessage (pg_api.PQerrorMessage)
#define PQexec (pg_api.PQexec)
#define PQexecParams (pg_api.PQexecParams)
#define PQfinish (pg_api.PQfinish)
#define PQgetisnull (pg_api.PQgetisnull)
#define PQgetlength (pg_api.PQgetlength)
#define PQgetvalue (pg_api.PQgetvalue)
#define PQntuples (pg_api.PQntuples)
#define PQreset (pg_api.PQreset)
#define PQresultErrorField (pg_api.PQresultErrorField)
#define PQresultErrorMessage (pg_api.PQresultErrorMessage)
#define PQresultStatus (pg_api.PQresultStatus)
#define PQstatus (pg_api.PQstatus)
#endif

#endif
