# waitlist_fixture.py OUT.nc [random bookings per service] [services]: a bookings NetCDF in the layout
# of drivers/waitlist_impl.h (what regia ingest waitlist writes), built directly so that
# the compliance rules are tested apart from the ingest: service 0 (89.7A.3, a visit) holds
# the hand-worked cases of tests/cli/test_waitlist.sh, each for REP patients; services 1
# and 2 (and 3 .. services-1, test visits 99.NN, when asked for) hold seeded random bookings
# in three districts of two ASLs.
import sys, hashlib, datetime as dt
from zoneinfo import ZoneInfo
import numpy as np, netCDF4
out = sys.argv[1]
NRAND = int(sys.argv[2]) if len(sys.argv) > 2 else 400
NSERV = int(sys.argv[3]) if len(sys.argv) > 3 else 3
ROME = ZoneInfo("Europe/Rome")
NOTIME = np.iinfo(np.int64).min
def T(s):
    if s is None: return NOTIME
    return int(dt.datetime.strptime(s, "%Y-%m-%d %H:%M").replace(tzinfo=ROME).timestamp())
services = [("89.7", "89.7A.3", "Prima visita cardiologica", 0, 0, "visit"),
            ("89.13", "89.13", "Prima visita neurologica", 0, 0, "visit"),
            ("87.41", "87.41", "TC del torace", 1, 1, "imaging")]
services += [("99.%02d" % i, "99.%02d" % i, "Visita di prova %d" % i, 0, 0, "visit") for i in range(3, NSERV)]
districts = [("D1", "Distretto Uno", 0), ("D2", "Distretto Due", 0), ("D3", "Distretto Tre", 1)]
asls = [("A1", "ASL Uno"), ("A2", "ASL Due")]
# name, class (0 U 1 B 2 D 3 P 4 none), access, regime, rx, contact, first, booked, reason, outcome, outcome time
H = [("b1", 1, 0, 0, "2025-02-20 09:00", "2025-03-03 09:00", "2025-03-05 10:00", "2025-03-05 10:00", 0, 1, "2025-03-05 10:30"),
     ("b2", 1, 0, 0, "2025-02-27 09:00", "2025-03-03 09:30", "2025-03-20 08:00", "2025-03-21 08:00", 0, 1, "2025-03-21 08:00"),
     ("b3", 1, 0, 0, "2025-02-28 10:00", "2025-03-03 10:00", "2025-03-06 08:00", "2025-03-12 08:00", 1, 2, "2025-03-10 08:00"),
     ("b4", 1, 0, 0, "2025-03-01 10:00", "2025-03-03 11:00", "2025-03-06 09:00", "2025-03-20 09:00", 1, 1, "2025-03-20 09:00"),
     ("b5", 1, 0, 0, "2025-03-01 11:00", "2025-03-03 12:00", "2025-03-18 09:00", "2025-03-25 09:00", 2, 0, None),
     ("b6", 1, 0, 0, "2025-03-02 11:00", "2025-03-04 08:00", "2025-03-06 09:00", "2025-03-10 09:00", 2, 3, "2025-03-10 09:00"),
     ("b7", 0, 0, 0, "2025-03-03 08:00", "2025-03-03 10:00", "2025-03-06 09:00", "2025-03-06 09:00", 0, 1, "2025-03-06 09:00"),
     ("b8", 0, 0, 0, "2025-03-03 08:00", "2025-03-03 10:00", "2025-03-06 11:00", "2025-03-06 11:00", 0, 1, "2025-03-06 11:00"),
     ("b9", 4, 0, 0, "2025-02-24 08:00", "2025-03-03 10:00", "2025-06-30 09:00", "2025-06-30 09:00", 0, 0, None),
     ("b10", 1, 1, 0, "2025-02-20 08:00", "2025-03-03 10:00", "2025-04-30 09:00", "2025-04-30 09:00", 0, 1, "2025-04-30 09:00"),
     ("b11", 1, 0, 1, "2025-02-20 08:00", "2025-03-03 10:00", "2025-04-30 09:00", "2025-04-30 09:00", 0, 1, "2025-04-30 09:00"),
     ("b12", 2, 0, 0, "2025-03-01 10:00", "2025-03-04 10:00", "2025-04-03 10:00", "2025-04-03 10:00", 0, 1, "2025-04-03 11:00")]
REP = 10   # each hand-worked booking for 10 patients: every non-zero cell >= 10 (no suppression at k <= 10)
rows = []  # (service, district, contact, patient, fields...)
pid = 0
for name, c, acc, reg, rx, co, fa, bo, rs, oc, ot in H:
    for r in range(REP):
        pid += 1
        rows.append(dict(s=0, d=0, p="P%05d" % pid, rx=T(rx), co=T(co), fa=T(fa), bo=T(bo), c=c, acc=acc, reg=reg,
                         rs=rs, oc=oc, ot=T(ot)))
rng = np.random.default_rng(7)
t0 = T("2025-01-06 08:00")
for s in range(1, NSERV):
    for i in range(NRAND):
        pid += 1
        co = t0 + int(rng.integers(0, 84 * 86400))
        rx = co - int(rng.integers(0, 20 * 86400))
        fa = co + int(rng.integers(3600, 40 * 86400))
        rs = int(rng.choice([0, 0, 0, 1, 2]))
        bo = fa + (int(rng.integers(0, 20 * 86400)) if rs else 0)
        oc = int(rng.choice([0, 1, 1, 1, 2, 3, 4]))
        rows.append(dict(s=s, d=int(rng.integers(0, 3)), p="P%05d" % int(rng.integers(1, pid + 1)), rx=rx, co=co, fa=fa,
                         bo=bo, c=int(rng.integers(0, 5)), acc=int(rng.random() < 0.1), reg=int(rng.random() < 0.05),
                         rs=rs, oc=oc, ot=bo + 1800 if oc else NOTIME))
rows.sort(key=lambda r: (r["s"], r["d"], r["co"]))
n = len(rows)
key = b"k" * 32
import hmac
nc = netCDF4.Dataset(out, "w", format="NETCDF4")
nc.title = "test bookings (synthetic)"; nc.synthetic = "yes"
nc.services_table_version = "test-1"; nc.pseudonymisation = "HMAC-SHA-256"
for dn, L in (("booking", n), ("service", NSERV), ("district", 3), ("asl", 2), ("provider", 1), ("agenda", 1), ("pseudonym", 32)):
    nc.createDimension(dn, L)
def V(name, typ, dims, data, **att):
    v = nc.createVariable(name, typ, dims, fill_value=att.pop("fill", None))
    v[:] = data
    for k, x in att.items(): setattr(v, k, x)
V("patient_pseudonym", "u1", ("booking", "pseudonym"),
  np.array([list(hmac.new(key, r["p"].encode(), hashlib.sha256).digest()) for r in rows], dtype=np.uint8))
V("prescription_pseudonym", "u1", ("booking", "pseudonym"),
  np.array([list(hmac.new(key, b"rx:%d" % i, hashlib.sha256).digest()) for i in range(n)], dtype=np.uint8))
V("prescription_line", "i4", ("booking",), np.ones(n, dtype=np.int32))
for nm, k in (("prescription_time", "rx"), ("contact_time", "co"), ("first_available_time", "fa"), ("booked_time", "bo"),
              ("outcome_time", "ot")):
    V(nm, "i8", ("booking",), np.array([r[k] for r in rows], dtype=np.int64), fill=NOTIME,
      units="seconds since 1970-01-01 00:00:00")
for nm, k in (("outcome", "oc"), ("priority", "c"), ("access", "acc"), ("regime", "reg"), ("guarantee_reason", "rs")):
    V(nm, "i1", ("booking",), np.array([r[k] for r in rows], dtype=np.int8))
V("guarantee", "i1", ("booking",), np.full(n, -1, dtype=np.int8))
V("catalogue", "i2", ("booking",), np.full(n, 1996, dtype=np.int16))
V("service", "i4", ("booking",), np.array([r["s"] for r in rows], dtype=np.int32))
V("residence_district", "i4", ("booking",), np.array([r["d"] for r in rows], dtype=np.int32))
V("provider_district", "i4", ("booking",), np.array([r["d"] for r in rows], dtype=np.int32))
V("provider", "i4", ("booking",), np.zeros(n, dtype=np.int32))
V("agenda", "i4", ("booking",), np.zeros(n, dtype=np.int32))
cnt = np.bincount([r["s"] for r in rows], minlength=NSERV).astype(np.int64)
V("service_first", "i8", ("service",), np.concatenate([[0], np.cumsum(cnt)[:-1]]).astype(np.int64))
V("service_count", "i8", ("service",), cnt)
def S(name, dim, vals):
    v = nc.createVariable(name, str, (dim,)); 
    for i, x in enumerate(vals): v[i] = x
S("service_code", "service", [x[0] for x in services]); S("service_code_new", "service", [x[1] for x in services])
S("service_name", "service", [x[2] for x in services]); S("service_group", "service", [x[5] for x in services])
S("service_kind", "service", ["visit" if x[3] == 0 else "diagnostic" for x in services])
S("service_area_level", "service", ["district" if x[4] == 0 else "asl" for x in services])
S("district_code", "district", [x[0] for x in districts]); S("district_name", "district", [x[1] for x in districts])
V("district_asl", "i4", ("district",), np.array([x[2] for x in districts], dtype=np.int32))
S("asl_code", "asl", [x[0] for x in asls]); S("asl_name", "asl", [x[1] for x in asls])
S("provider_code", "provider", ["PR1"]); S("provider_name", "provider", ["Ospedale"])
S("agenda_code", "agenda", ["AG1"])
nc.close()
