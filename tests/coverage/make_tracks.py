#!/usr/bin/python3
"""Writes track wire lines for tests/coverage/test_coverage.sh: today's
patrols (local day in $TZ) through the zones of tests/data/zones.geojson.

wang: 6 min in People's Square (a visit), a 5 km jump in one second inside
      it (a glitch), two points out of order, then two hours without a
      point, then 3 min in the square again (too short: no visit).
li:   15 min in People's Park's pond (a hole: outside), then 12 min in the
      park (a visit), then 3 min on Nanjing Road's northern part (a visit).
"""
import datetime
import json
import time

midnight = datetime.datetime.combine(datetime.date.today(), datetime.time(0))
T0 = int(time.mktime(midnight.timetuple())) + 9 * 3600   # 09:00 local


def line(inspector, pts, gaps):
    def delta(v):
        return [v[0]] + [b - a for a, b in zip(v, v[1:])]
    t = [p[0] for p in pts]
    return json.dumps({"track": 1, "device": "hh1", "inspector": inspector,
                       "day": datetime.date.today().isoformat(),
                       "t": delta(t), "lat": delta([p[1] for p in pts]),
                       "lon": delta([p[2] for p in pts]), "acc": [5] * len(pts),
                       "gaps": gaps}, separators=(",", ":"))


def stay(t, secs, lat, lon):
    """Points every 20 s for secs, wandering a few metres."""
    return [(t + s, lat + (s // 20) % 3 * 10, lon + (s // 20) % 2 * 10) for s in range(0, secs + 1, 20)]


square = (31231000, 121474500)
wang = stay(T0 - 60, 40, 31229000, 121474500)            # approaching from the south
wang += stay(T0, 360, *square)                            # 6 min inside
wang.insert(5, (T0 + 81, square[0] + 45000, square[1]))   # 5 km north, one second later
wang += [(T0 + 400, 31229000, 121474500)]                 # out again
wang[8], wang[9] = wang[9], wang[8]                       # out of order
wang += stay(T0 + 400 + 7200, 180, *square)               # two hours later: 3 min
wang += [(T0 + 7800, 31229000, 121474500)]
li = stay(T0, 900, 31234000, 121471500)                   # in the pond
li += stay(T0 + 920, 720, 31233300, 121470500)            # in the park
li += [(T0 + 1700, 31235500, 121471500)]                  # north of the park
li += stay(T0 + 1720, 180, 31237200, 121473000)           # Nanjing Road, northern part
li += [(T0 + 1920, 31238000, 121473000)]
print(line("wang", wang, [[0, "duty"]]))
print(line("li", li, [[0, "duty"]]))
