-- A year of reporting volume (calendar 2026, London) in casegraph's own schema, added on top of
-- bench/seed-casegraph.sql (run it after that file, on the same database): 60,000 more children
-- in 20,000 families, 100,000 requests for support with their children and households (about 90%
-- decided by the hub, 85% of those on time; some withdrawn, some awaiting), the cases their
-- decisions open with their events (opened, allocated, reallocated, closed), early help referrals
-- and assessments (TAF meetings, plans, team members, closures, step-up drafts), advice-line
-- consultations, and about 1,025,000 partner updates (about 80% matched to a case open at the
-- time, reviewed on time, late or not yet, about 10% concerns). New partner organisations cover
-- every agency type; an `analyst` (ANALYST) and a `performance` (PERFORMANCE_OFFICER) staff row
-- are added for the report timings. Synthetic ('Synthetic' names, ZZ9 postcodes) and
-- deterministic: every draw is a hash of a row key (hashint8extended), never random(), so the
-- same rows come out whatever the plan. Reference numbers continue from here: the RFS and PU
-- sequences and the EHA counters are moved past the numbers used.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET work_mem = '256MB';
SET synchronous_commit = off;
SET jit = off;  -- row estimates of fresh temp tables would make it compile for seconds

-- Uniform [0, 1) from a key and a salt.
CREATE FUNCTION pg_temp.u(n bigint, salt int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$ SELECT (hashint8extended($1, $2) & 2147483647)::float8 / 2147483648.0 $$;
-- A UUIDv7-shaped id (as the app's Uuid::now_v7) for a row created at `at`: time-ordered, the
-- random bits from the key.
CREATE FUNCTION pg_temp.v7(at timestamptz, n bigint, salt int) RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT (lpad(to_hex((extract(epoch FROM $1) * 1000)::bigint), 12, '0') || '7'
           || lpad(to_hex(hashint8extended($2, $3) & 4095), 3, '0')
           || to_hex(8 + (hashint8extended($2, $3 + 1) & 3))
           || lpad(to_hex(hashint8extended($2, $3 + 2) & 1152921504606846975), 15, '0'))::uuid $$;
-- London wall-clock time to an instant.
CREATE FUNCTION pg_temp.lon(t timestamp) RETURNS timestamptz LANGUAGE sql STABLE AS
$$ SELECT $1 AT TIME ZONE 'Europe/London' $$;

-- The working-day calendar (service_hours and bank_holidays, as the app reads them): for each day,
-- whether it is a working day, its hours, the next working day, and `wdi`, the number of working
-- days before it (so working day number i is the first day whose wdi is i).
CREATE TEMP TABLE cal AS
WITH d AS (SELECT g::date AS d FROM generate_series(timestamp '2025-05-01', timestamp '2027-04-30', interval '1 day') g),
w AS (
  SELECT d.d, extract(isodow FROM d.d)::int AS dow, sh.opens::time AS opens, sh.closes::time AS closes,
         (sh.weekday IS NOT NULL AND extract(isodow FROM d.d) <= 5 AND b.date IS NULL) AS working
  FROM d LEFT JOIN service_hours sh ON sh.weekday = extract(isodow FROM d.d)::int - 1
         LEFT JOIN bank_holidays b ON b.date = d.d
)
SELECT w.*, (SELECT min(x.d) FROM w x WHERE x.d > w.d AND x.working) AS next_wd,
       (SELECT count(*) FROM w x WHERE x.d < w.d AND x.working)::int AS wdi
FROM w;
CREATE TEMP TABLE wd AS SELECT wdi AS i, d, opens, closes FROM cal WHERE working;
ANALYZE cal;
ANALYZE wd;

-- 10,000 slots over the days of 2026, by weight: working days 1, other days 0.1, August and
-- December quieter, September and October busier.
CREATE TEMP TABLE dayslot AS
WITH w AS (
  SELECT d, (CASE WHEN working THEN 1.0 ELSE 0.1 END)
            * (CASE extract(month FROM d) WHEN 8 THEN 0.65 WHEN 12 THEN 0.85 WHEN 4 THEN 0.9 WHEN 9 THEN 1.1 WHEN 10 THEN 1.1 ELSE 1.0 END) AS wt
  FROM cal WHERE d BETWEEN date '2026-01-01' AND date '2026-12-31'
), c AS (SELECT d, sum(wt) OVER (ORDER BY d) - wt AS lo, sum(wt) OVER (ORDER BY d) AS hi, sum(wt) OVER () AS tot FROM w)
SELECT g AS slot, d FROM c, generate_series(floor(lo / tot * 10000)::int, floor(hi / tot * 10000)::int - 1) g;
ANALYZE dayslot;

-- Organisations for every agency type the seed lacks, one practitioner each; the early help
-- service with its practitioners and managers; team managers for the 40 social care teams; more
-- hub workers; the report readers.
INSERT INTO organisations (id, name, agency_type, synthetic, created_at)
SELECT md5('report-org-' || a || '-' || i)::uuid, 'Synthetic ' || label || ' ' || i, a, true, timestamptz '2025-12-01 00:00+00'
FROM (VALUES ('EARLY_YEARS', 12, 'Nursery'), ('PUPIL_WELFARE', 2, 'Pupil Welfare Service'), ('HEALTH_VISITOR', 4, 'Health Visiting Team'),
             ('SCHOOL_NURSE', 3, 'School Nursing Team'), ('MIDWIFE', 3, 'Midwifery Service'), ('CAMHS', 2, 'CAMHS Team'),
             ('DRUG_SERVICE', 2, 'Drug and Alcohol Service'), ('YOUTH_JUSTICE', 1, 'Youth Justice Service'),
             ('PROBATION', 2, 'Probation Office'), ('PRISON', 2, 'Prison'), ('FIRE', 1, 'Fire Station')) t(a, n, label),
     generate_series(1, n) i
UNION ALL
SELECT md5('report-org-eh')::uuid, 'Synthetic Early Help Service', 'LA_EARLY_HELP', true, timestamptz '2025-12-01 00:00+00';

INSERT INTO teams (id, organisation_id, name, synthetic, created_at)
VALUES (md5('report-team-eh')::uuid, md5('report-org-eh')::uuid, 'Synthetic Early Help Team', true, timestamptz '2025-12-01 00:00+00');

INSERT INTO staff (id, handle, display_name, organisation_id, team_id, roles, scopes, active, synthetic, created_at)
SELECT md5('report-partner-' || o.agency_type || '-' || split_part(o.name, ' ', -1))::uuid,
       'synthetic.partner.' || lower(o.agency_type) || '.' || split_part(o.name, ' ', -1),
       'Synthetic Practitioner ' || split_part(o.name, ' ', -1), o.id, NULL, 'PARTNER_PRACTITIONER', '', true, true, o.created_at
FROM organisations o WHERE o.id <> md5('report-org-eh')::uuid AND o.name LIKE 'Synthetic %'
UNION ALL
SELECT md5('report-ehp-' || i)::uuid, 'synthetic.ehp.' || lpad(i::text, 2, '0'), 'Synthetic Early Help Practitioner ' || i,
       md5('report-org-eh')::uuid, md5('report-team-eh')::uuid, 'EARLY_HELP_PRACTITIONER', '', true, true, timestamptz '2025-12-01 00:00+00'
FROM generate_series(1, 60) i
UNION ALL
SELECT md5('report-ehm-' || i)::uuid, 'synthetic.eh.manager.' || i, 'Synthetic Early Help Manager ' || i,
       md5('report-org-eh')::uuid, md5('report-team-eh')::uuid, 'TEAM_MANAGER', '', true, true, timestamptz '2025-12-01 00:00+00'
FROM generate_series(1, 3) i
UNION ALL
SELECT md5('report-tm-' || t)::uuid, 'synthetic.tm.' || lpad(t::text, 2, '0'), 'Synthetic Team Manager ' || t,
       md5('org-0')::uuid, md5('team-' || t)::uuid, 'TEAM_MANAGER', '', true, true, timestamptz '2025-12-01 00:00+00'
FROM generate_series(0, 39) t
UNION ALL
SELECT md5('report-hub-' || i)::uuid, 'synthetic.hub.' || lpad(i::text, 2, '0'), 'Synthetic Hub Worker ' || i,
       md5('org-0')::uuid, md5('team-40')::uuid, 'HUB_WORKER', '', true, true, timestamptz '2025-12-01 00:00+00'
FROM generate_series(1, 12) i;

INSERT INTO staff (id, handle, display_name, organisation_id, team_id, roles, scopes, active, synthetic, created_at)
SELECT v.id, v.handle, v.display_name, md5('org-0')::uuid, NULL, v.roles, '', true, true, timestamptz '2025-12-01 00:00+00'
FROM (VALUES (md5('report-analyst')::uuid, 'analyst', 'Synthetic Performance Analyst', 'ANALYST'),
             (md5('report-performance')::uuid, 'performance', 'Synthetic Performance Officer', 'PERFORMANCE_OFFICER')) v(id, handle, display_name, roles)
WHERE NOT EXISTS (SELECT 1 FROM staff s WHERE s.handle = v.handle);

-- Hub workers (the seed's and the new ones), team managers by team, and who may be picked as a
-- sender, referrer or team member, by agency type.
CREATE TEMP TABLE hubw AS
SELECT 0 AS i, md5('hub-1')::uuid AS id UNION ALL SELECT i, md5('report-hub-' || i)::uuid FROM generate_series(1, 12) i;
CREATE TEMP TABLE tmap AS SELECT t, md5('team-' || t)::uuid AS team_id, md5('report-tm-' || t)::uuid AS tm_id FROM generate_series(0, 39) t;
CREATE TEMP TABLE porg AS
SELECT o.id AS org_id, s.id AS staff_id, o.agency_type AS agency,
       (row_number() OVER (PARTITION BY o.agency_type ORDER BY o.id, s.id) - 1)::int AS k,
       (count(*) OVER (PARTITION BY o.agency_type))::int AS nk
FROM organisations o JOIN staff s ON s.organisation_id = o.id AND s.roles IN ('PARTNER_PRACTITIONER', 'EARLY_HELP_PRACTITIONER')
WHERE o.agency_type <> 'LA_CHILDRENS_SOCIAL_CARE';
CREATE TEMP TABLE tafpool AS
SELECT (row_number() OVER (ORDER BY staff_id) - 1)::int AS i, staff_id FROM porg;

-- Weights (per cent) of agency types: who makes requests, who sends updates, who calls the
-- advice line. 1,000 slots each.
CREATE TEMP TABLE wts (purpose text, agency text, w int);
INSERT INTO wts VALUES
  ('request', 'POLICE', 24), ('request', 'SCHOOL', 21), ('request', 'EARLY_YEARS', 3), ('request', 'PUPIL_WELFARE', 2),
  ('request', 'GP', 7), ('request', 'HEALTH_VISITOR', 6), ('request', 'SCHOOL_NURSE', 2), ('request', 'MIDWIFE', 3),
  ('request', 'CAMHS', 3), ('request', 'DRUG_SERVICE', 1), ('request', 'HOUSING', 5), ('request', 'YOUTH_JUSTICE', 2),
  ('request', 'PROBATION', 2), ('request', 'PRISON', 1), ('request', 'CHILDRENS_CENTRE', 3), ('request', 'FIRE', 1),
  ('request', 'VOLUNTARY_SECTOR', 8), ('request', 'LA_EARLY_HELP', 6),
  ('update', 'SCHOOL', 30), ('update', 'POLICE', 12), ('update', 'GP', 8), ('update', 'HEALTH_VISITOR', 8),
  ('update', 'SCHOOL_NURSE', 4), ('update', 'EARLY_YEARS', 5), ('update', 'PUPIL_WELFARE', 4), ('update', 'MIDWIFE', 2),
  ('update', 'CAMHS', 5), ('update', 'DRUG_SERVICE', 2), ('update', 'HOUSING', 6), ('update', 'YOUTH_JUSTICE', 3),
  ('update', 'PROBATION', 3), ('update', 'PRISON', 1), ('update', 'CHILDRENS_CENTRE', 3), ('update', 'FIRE', 1),
  ('update', 'VOLUNTARY_SECTOR', 3),
  ('advice', 'SCHOOL', 35), ('advice', 'EARLY_YEARS', 6), ('advice', 'HEALTH_VISITOR', 8), ('advice', 'GP', 6),
  ('advice', 'SCHOOL_NURSE', 4), ('advice', 'MIDWIFE', 3), ('advice', 'POLICE', 8), ('advice', 'HOUSING', 5),
  ('advice', 'VOLUNTARY_SECTOR', 10), ('advice', 'CAMHS', 4), ('advice', 'YOUTH_JUSTICE', 2), ('advice', 'CHILDRENS_CENTRE', 4),
  ('advice', 'LA_EARLY_HELP', 5);
CREATE TEMP TABLE orgslot AS
SELECT x.purpose, (row_number() OVER (PARTITION BY x.purpose ORDER BY x.agency, x.j) - 1)::int AS slot, p.org_id, p.staff_id, x.agency
FROM (SELECT purpose, agency, generate_series(0, w * 10 - 1) AS j FROM wts) x
JOIN porg p ON p.agency = x.agency AND p.k = x.j % p.nk;

-- Concern categories (CIN census factor codes) by weight, 100 slots.
CREATE TEMP TABLE ccslot AS
SELECT (row_number() OVER (ORDER BY code, g) - 1)::int AS slot, code
FROM (VALUES ('3B' COLLATE "C", 15), ('16A', 13), ('4B', 10), ('4A', 7), ('18C', 6), ('17A', 6), ('20', 6), ('2B', 5), ('1B', 5),
             ('15A', 3), ('10A', 3), ('14A', 3), ('3A', 2), ('11A', 2), ('24A', 2), ('6A', 2), ('5A', 2), ('19C', 2),
             ('7A', 1), ('13A', 1), ('9A', 1), ('22A', 1), ('8E', 1), ('18B', 1)) v(code, w),
     generate_series(1, w) g;
ANALYZE hubw;
ANALYZE tmap;
ANALYZE porg;
ANALYZE tafpool;
ANALYZE orgslot;
ANALYZE ccslot;

DO $$ BEGIN
  IF (SELECT count(*) FROM dayslot) <> 10000 OR (SELECT count(DISTINCT slot) FROM dayslot) <> 10000 THEN RAISE EXCEPTION 'day slots'; END IF;
  IF (SELECT count(*) FROM ccslot) <> 100 THEN RAISE EXCEPTION 'concern slots'; END IF;
  IF EXISTS (SELECT purpose FROM orgslot GROUP BY purpose HAVING count(*) <> 1000) OR (SELECT count(DISTINCT purpose) FROM orgslot) <> 3
    THEN RAISE EXCEPTION 'organisation slots: an agency type without a practitioner'; END IF;
  IF NOT EXISTS (SELECT 1 FROM cases WHERE status = 'OPEN' AND opened_at < timestamptz '2026-01-01 00:00+00')
    THEN RAISE EXCEPTION 'run bench/seed-casegraph.sql first'; END IF;
END $$;

-- 60,000 children in 20,000 families of three (child n is in family (n - 1) / 3 + 1).
INSERT INTO children (id, given_name, family_name, given_key, family_key, date_of_birth, expected_delivery_date, sex, ethnicity,
                      address_line, town, postcode, nhs_number, upn, restricted, synthetic, version, created_at, updated_at)
SELECT md5('report-child-' || n)::uuid, given, family, lower(given), lower(family), dob, NULL, sex, eth,
       f || ' Synthetic Road', 'Testtown', 'ZZ9 9ZZ',
       CASE WHEN pg_temp.u(n, 35) < 0.8 THEN (9100000000 + n)::text END,
       CASE WHEN dob < date '2022-09-01' AND pg_temp.u(n, 36) < 0.6 THEN 'Z' || lpad(n::text, 12, '0') END,
       false, true, 1, created, created
FROM (
  SELECT n, f,
         (ARRAY['Avalon','Brindle','Corrin','Dassa','Elowen','Fenwick','Galen','Hollis','Ingram','Juniper','Kestrel','Larkin',
                'Marlow','Nerys','Orrin','Perrin','Quill','Rowan','Sorrel','Tamsin','Umber','Vesper','Wren','Yarrow','Zephyr',
                'Alder','Bryony','Cedar','Dune','Ember','Fable','Garnet','Heath','Isolde','Jory','Kit','Linden','Moss','Nell',
                'Onyx'])[1 + floor(pg_temp.u(n, 30) * 40)::int] AS given,
         'Synthetic' || lpad(f::text, 5, '0') AS family,
         least(date '2008-09-01' + floor(pg_temp.u(f, 31) * 4700)::int + ((n - 1) % 3) * (500 + floor(pg_temp.u(n, 32) * 700)::int),
               date '2026-09-30') AS dob,
         CASE WHEN pg_temp.u(n, 34) < 0.5 THEN 'F' ELSE 'M' END AS sex,
         (SELECT e FROM (VALUES (0.68, 'WBRI'), (0.73, 'WOTH'), (0.76, 'MWBC'), (0.78, 'MOTH'), (0.80, 'AIND'), (0.83, 'APKN'),
                                (0.84, 'ABAN'), (0.85, 'AOTH'), (0.88, 'BAFR'), (0.89, 'BCRB'), (0.90, 'BOTH'), (0.91, 'CHNE'),
                                (0.93, 'OOTH'), (0.94, 'WROM'), (0.95, 'REFU'), (0.99, 'NOBT'), (1.01, 'MWAS')) v(p, e)
          WHERE pg_temp.u(f, 33) < v.p ORDER BY v.p LIMIT 1) AS eth,
         timestamptz '2024-01-01 00:00+00' + floor(pg_temp.u(n, 37) * 730) * interval '1 day' AS created
  FROM (SELECT n, (n - 1) / 3 + 1 AS f FROM generate_series(1, 60000) n) s
) c;

-- Open cases of the first seed that were open all year: the hub passes requests to them.
CREATE TEMP TABLE openpool AS
SELECT (row_number() OVER (ORDER BY k.id) - 1)::int AS i, k.id AS case_id, k.child_id, c.family_name
FROM cases k JOIN children c ON c.id = k.child_id
WHERE k.status = 'OPEN' AND k.opened_at < timestamptz '2026-01-01 00:00+00';
ANALYZE openpool;

-- The requests for support, everything about each decided here (one row per request).
CREATE TEMP TABLE rq AS
WITH b AS MATERIALIZED (
  SELECT n, ds.d, c.working, c.closes, c.next_wd, o.org_id, o.staff_id, o.agency,
         CASE WHEN c.working THEN CASE WHEN pg_temp.u(n, 3) < 0.9 THEN 28800 + 36000 * (pg_temp.u(n, 4) + pg_temp.u(n, 5)) / 2
                                       ELSE 86400 * pg_temp.u(n, 4) END
              ELSE 25200 + 57600 * pg_temp.u(n, 4) END AS tod
  FROM generate_series(1, 100000) n
  JOIN dayslot ds ON ds.slot = floor(pg_temp.u(n, 1) * 10000)::int
  JOIN cal c ON c.d = ds.d
  JOIN orgslot o ON o.purpose = 'request' AND o.slot = floor(pg_temp.u(n, 2) * 1000)::int
), t AS MATERIALIZED (
  SELECT b.*, b.d + make_interval(secs => floor(b.tod)) AS local_at,
         CASE WHEN b.working AND (b.d + make_interval(secs => floor(b.tod)))::time < b.closes THEN b.d ELSE b.next_wd END AS day0,
         pg_temp.u(n, 6) < 0.06 AS urgent,
         pg_temp.u(n, 10) AS su, pg_temp.u(n, 11) AS x
  FROM b
), s AS MATERIALIZED (
  SELECT t.*, c0.next_wd AS due_day, c1.closes AS due_closes, c1.next_wd AS due_next, c3.next_wd AS due_next2,
         pg_temp.lon(t.local_at) AS received_at, pg_temp.lon(c0.next_wd + c1.closes) AS due_at,
         CASE WHEN su < 0.035 THEN 'WITHDRAWN'
              WHEN su < 0.09 OR (t.local_at >= timestamp '2026-12-29 00:00' AND su < 0.85) THEN 'RECEIVED'
              ELSE 'DECIDED' END AS status
  FROM t JOIN cal c0 ON c0.d = t.day0 JOIN cal c1 ON c1.d = c0.next_wd JOIN cal c3 ON c3.d = c1.next_wd
), o AS MATERIALIZED (
  SELECT s.*,
         CASE WHEN status <> 'DECIDED' THEN NULL
              WHEN urgent THEN CASE WHEN x < 0.55 THEN 'STRATEGY_DISCUSSION' WHEN x < 0.9 THEN 'CHILD_AND_FAMILY_ASSESSMENT' ELSE 'PASS_TO_ALLOCATED_WORKER' END
              WHEN x < 0.17 THEN 'ADVICE_INFORMATION' WHEN x < 0.27 THEN 'SIGNPOST_UNIVERSAL' WHEN x < 0.48 THEN 'EARLY_HELP'
              WHEN x < 0.67 THEN 'CHILD_AND_FAMILY_ASSESSMENT' WHEN x < 0.71 THEN 'STRATEGY_DISCUSSION'
              WHEN x < 0.91 THEN 'NO_FURTHER_ACTION' ELSE 'PASS_TO_ALLOCATED_WORKER' END AS outcome,
         pg_temp.u(n, 12) < 0.15 AS late_pick
  FROM s
), l AS MATERIALIZED (
  SELECT o.*,
         CASE WHEN outcome IS NULL THEN NULL
              WHEN outcome IN ('ADVICE_INFORMATION', 'SIGNPOST_UNIVERSAL') THEN CASE WHEN pg_temp.u(n, 13) < 0.6 THEN 1 ELSE 2 END
              WHEN outcome = 'EARLY_HELP' THEN CASE WHEN pg_temp.u(n, 13) < 0.45 THEN 2 ELSE 3 END
              WHEN outcome = 'CHILD_AND_FAMILY_ASSESSMENT' THEN CASE WHEN pg_temp.u(n, 13) < 0.85 THEN 4 ELSE 3 END
              WHEN outcome = 'NO_FURTHER_ACTION' THEN CASE WHEN pg_temp.u(n, 13) < 0.7 THEN 1 ELSE 2 END
              ELSE 4 END AS dlevel,
         CASE WHEN outcome = 'PASS_TO_ALLOCATED_WORKER' THEN 1
              WHEN pg_temp.u(n, 15) < 0.6 THEN 1 WHEN pg_temp.u(n, 15) < 0.87 THEN 2 ELSE 3 END AS k,
         -- the day the hub decided: on time within the working day it is due, or one or two working days late
         CASE WHEN outcome IS NULL THEN NULL
              WHEN late_pick THEN CASE WHEN pg_temp.u(n, 21) < 0.7 THEN due_next ELSE due_next2 END
              WHEN pg_temp.u(n, 21) < 0.5 THEN day0 ELSE due_day END AS dec_day
  FROM o
)
SELECT l.n, pg_temp.v7(l.received_at, l.n, 100) AS id,
       row_number() OVER (ORDER BY l.received_at, l.n) AS seq,
       l.org_id, l.staff_id, l.agency, l.received_at, l.due_at, l.local_at, l.urgent, l.status, l.outcome, l.k,
       pg_temp.u(n, 7) < 0.02 AS anonymous,
       CASE WHEN l.urgent THEN l.received_at - make_interval(mins => 10 + floor(110 * pg_temp.u(n, 8))::int) END AS phone_contact_at,
       (ARRAY['UNIVERSAL', 'UNIVERSAL_PLUS', 'INTENSIVE', 'SPECIALIST'])[l.dlevel] AS decided_level,
       (ARRAY['UNIVERSAL', 'UNIVERSAL_PLUS', 'INTENSIVE', 'SPECIALIST'])[
         CASE WHEN l.dlevel IS NULL THEN CASE WHEN pg_temp.u(n, 14) < 0.05 THEN 1 WHEN pg_temp.u(n, 14) < 0.3 THEN 2
                                              WHEN pg_temp.u(n, 14) < 0.65 THEN 3 ELSE 4 END
              WHEN pg_temp.u(n, 14) < 0.55 THEN l.dlevel
              WHEN pg_temp.u(n, 14) < 0.85 THEN least(l.dlevel + 1, 4) ELSE greatest(l.dlevel - 1, 1) END] AS referrer_level,
       CASE WHEN l.dec_day IS NULL THEN NULL
            WHEN l.late_pick THEN pg_temp.lon(l.dec_day + time '09:00' + make_interval(secs => floor(27000 * pg_temp.u(n, 22))))
            ELSE pg_temp.lon(l.dec_day + (CASE WHEN l.dec_day = l.d THEN greatest(l.local_at::time, cd.opens) ELSE cd.opens END)
                             + (cd.closes - CASE WHEN l.dec_day = l.d THEN greatest(l.local_at::time, cd.opens) ELSE cd.opens END)
                               * (0.02 + 0.93 * pg_temp.u(n, 22))) END AS decided_at,
       h.id AS decided_by,
       CASE WHEN l.status = 'WITHDRAWN' THEN l.received_at + make_interval(mins => 30 + floor(1200 * pg_temp.u(n, 9))::int) END AS withdrawn_at,
       -- the children: a family (some families come back during the year), from its child s + 1;
       -- a request passed to an allocated worker is about a child whose case has been open all year
       1 + floor(20000 * power(pg_temp.u(n, 16), 1.3))::int AS f,
       floor(pg_temp.u(n, 17) * (4 - l.k))::int AS s,
       op.case_id AS pass_case, op.child_id AS pass_child,
       coalesce(op.family_name, 'Synthetic' || lpad((1 + floor(20000 * power(pg_temp.u(n, 16), 1.3))::int)::text, 5, '0')) AS family_name,
       CASE WHEN l.outcome IN ('CHILD_AND_FAMILY_ASSESSMENT', 'STRATEGY_DISCUSSION', 'PASS_TO_ALLOCATED_WORKER') THEN true
            WHEN l.status = 'DECIDED' THEN pg_temp.u(n, 19) < 0.62 ELSE pg_temp.u(n, 19) < 0.45 END AS linked,
       floor(pg_temp.u(n, 24) * 40)::int AS team,
       ca.code AS c1, cb.code AS c2, cc.code AS c3,
       1 + (pg_temp.u(n, 43) < 0.45)::int + (pg_temp.u(n, 43) < 0.12)::int AS ncat
FROM l
LEFT JOIN cal cd ON cd.d = l.dec_day
JOIN hubw h ON h.i = floor(pg_temp.u(l.n, 23) * 13)::int
LEFT JOIN openpool op ON l.outcome = 'PASS_TO_ALLOCATED_WORKER'
                     AND op.i = floor(pg_temp.u(l.n, 18) * (SELECT count(*) FROM openpool))::int
JOIN ccslot ca ON ca.slot = floor(pg_temp.u(l.n, 40) * 100)::int
JOIN ccslot cb ON cb.slot = floor(pg_temp.u(l.n, 41) * 100)::int
JOIN ccslot cc ON cc.slot = floor(pg_temp.u(l.n, 42) * 100)::int;
ANALYZE rq;

INSERT INTO requests_for_support (id, reference, referrer_id, referrer_org_id, status, urgent, phone_contact_at, received_at, due_at,
    referrer_level, discussed_with_safeguarding_lead, safeguarding_lead_name, safeguarding_lead_consulted_on, advice_line_consulted,
    parents_aware, parents_not_aware_reason, consent_status, consent_given_by, consent_covers, consent_reason, consent_date,
    anonymous_source, concerns, concern_categories, support_in_place, support_outcome, child_views, neglect_screening_id,
    idempotency_key, payload_hash, version, created_at, updated_at, withdrawn_at, withdrawal_reason)
SELECT r.id, 'RFS-2026-' || lpad(r.seq::text, 6, '0'), r.staff_id, r.org_id, r.status, r.urgent, r.phone_contact_at, r.received_at, r.due_at,
       r.referrer_level, dsl, CASE WHEN dsl THEN 'Synthetic Safeguarding Lead ' || (r.n % 997) END,
       CASE WHEN dsl THEN r.local_at::date END, pg_temp.u(r.n, 51) < 0.15,
       aware, CASE WHEN NOT aware THEN 'Telling the parents now could place the child at greater risk.' END,
       consent, CASE WHEN consent = 'GIVEN' THEN CASE WHEN pg_temp.u(r.n, 54) < 0.8 THEN 'PARENT_CARER' WHEN pg_temp.u(r.n, 54) < 0.85 THEN 'YOUNG_PERSON' ELSE 'BOTH' END END,
       CASE WHEN consent = 'GIVEN' THEN 'Sharing with the hub and with the agencies named in this request.' END,
       CASE consent WHEN 'REFUSED' THEN 'The parent declined; the concerns are shared because the threshold for acting without consent is met.'
                    WHEN 'NOT_SOUGHT' THEN 'The parent could not be contacted before the request was made.'
                    WHEN 'NOT_REQUIRED_SAFEGUARDING' THEN (ARRAY['SIGNIFICANT_HARM_SUSPECTED', 'WOULD_INCREASE_RISK', 'WOULD_PREJUDICE_INVESTIGATION'])[1 + floor(pg_temp.u(r.n, 55) * 3)::int] END,
       CASE WHEN consent IN ('GIVEN', 'REFUSED') THEN r.local_at::date END,
       r.anonymous,
       (ARRAY['Attendance has fallen sharply this term and the child often arrives hungry and tired.',
              'Police attended the family home after a report of a disturbance; the children were present.',
              'The parent has told staff they are struggling to cope and there is no wider family support.',
              'The young person has been missing overnight twice this month and returned with unexplained items.',
              'The child has disclosed being hit at home and has a bruise on the upper arm.',
              'Housing reports the home is in a very poor state, with no working heating and little food.',
              'Missed health appointments and immunisations; the family has not responded to letters.',
              'The young person is self-harming and has stopped engaging with school support.',
              'The parent is misusing alcohol and has been found unable to care for the children at collection.',
              'Concerns about a much older adult giving the young person lifts and gifts.'])[1 + floor(pg_temp.u(r.n, 56) * 10)::int],
       (SELECT string_agg(DISTINCT t.c COLLATE "C", ',' ORDER BY t.c COLLATE "C") FROM unnest((ARRAY[r.c1, r.c2, r.c3])[1:r.ncat]) t(c)),
       CASE WHEN pg_temp.u(r.n, 57) < 0.6 THEN 'Pastoral support and a school-based family support worker.' END,
       CASE WHEN pg_temp.u(r.n, 57) < 0.4 THEN 'Some improvement at first, but the concerns have returned.' END,
       CASE WHEN pg_temp.u(r.n, 58) < 0.5 THEN 'The child says things at home are hard and would like someone to help.' END,
       NULL, NULL, encode(sha256(convert_to('rfs-' || r.n, 'UTF8')), 'hex'),
       CASE WHEN r.status = 'RECEIVED' THEN 1 ELSE 2 END, r.received_at, coalesce(r.decided_at, r.withdrawn_at, r.received_at),
       r.withdrawn_at,
       CASE WHEN r.status = 'WITHDRAWN' THEN 'Sent in error: the concerns were already known to the allocated worker.' END
FROM (SELECT rq.*, pg_temp.u(rq.n, 50) < 0.7 AS dsl,
             pg_temp.u(rq.n, 52) < CASE WHEN rq.urgent THEN 0.5 ELSE 0.85 END AS aware,
             CASE WHEN rq.urgent THEN CASE WHEN pg_temp.u(rq.n, 53) < 0.8 THEN 'NOT_REQUIRED_SAFEGUARDING' ELSE 'GIVEN' END
                  WHEN pg_temp.u(rq.n, 53) < 0.72 THEN 'GIVEN' WHEN pg_temp.u(rq.n, 53) < 0.79 THEN 'REFUSED'
                  WHEN pg_temp.u(rq.n, 53) < 0.85 THEN 'NOT_SOUGHT' ELSE 'NOT_REQUIRED_SAFEGUARDING' END AS consent
      FROM rq) r
ORDER BY r.seq;

-- The children named on each request (the family's children s + 1 .. s + k, or the passed
-- case's child), linked to the child record on about 70% of requests.
INSERT INTO request_children (id, request_id, position, child_id, given_name, family_name, date_of_birth, expected_delivery_date, sex,
                              address_line, postcode, school_or_setting)
SELECT pg_temp.v7(r.received_at, r.n * 4 + p, 200), r.id, p, CASE WHEN r.linked THEN ch.id END, ch.given_name, ch.family_name,
       CASE WHEN r.linked OR pg_temp.u(r.n * 4 + p, 201) > 0.04 THEN ch.date_of_birth END, NULL, ch.sex, ch.address_line, ch.postcode,
       CASE WHEN ch.date_of_birth < date '2022-09-01' THEN 'Synthetic Primary School ' || (1 + abs(hashtext(ch.family_name)) % 60) END
FROM rq r CROSS JOIN LATERAL generate_series(0, r.k - 1) p
JOIN children ch ON ch.id = coalesce(r.pass_child, md5('report-child-' || (3 * (r.f - 1) + 1 + r.s + p))::uuid);

INSERT INTO request_household_members (id, request_id, position, given_name, family_name, relationship, parental_responsibility, lives_with_child)
SELECT pg_temp.v7(r.received_at, r.n * 4 + p, 210), r.id, p,
       (ARRAY['Alexis','Bailey','Casey','Devon','Emery','Finley','Harper','Jordan','Morgan','Quinn','Reese','Sasha'])[1 + floor(pg_temp.u(r.n * 4 + p, 211) * 12)::int],
       r.family_name, rel, rel IN ('MOTHER', 'FATHER'), rel = 'MOTHER' OR pg_temp.u(r.n * 4 + p, 213) < 0.6
FROM rq r CROSS JOIN LATERAL generate_series(0, (pg_temp.u(r.n, 44) < 0.45)::int) p
CROSS JOIN LATERAL (SELECT CASE WHEN p = 0 THEN 'MOTHER' WHEN pg_temp.u(r.n, 212) < 0.7 THEN 'FATHER'
                                WHEN pg_temp.u(r.n, 212) < 0.85 THEN 'STEP_PARENT' ELSE 'PARTNER_OF_PARENT' END AS rel) x;

INSERT INTO hub_decisions (id, request_id, outcome, decided_level, rationale, feedback, decided_by, decided_at, late)
SELECT pg_temp.v7(r.decided_at, r.n, 300), r.id, r.outcome, r.decided_level,
       CASE r.outcome WHEN 'ADVICE_INFORMATION' THEN 'Needs can be met with advice to the referrer.'
                      WHEN 'SIGNPOST_UNIVERSAL' THEN 'Universal services can meet the needs described.'
                      WHEN 'EARLY_HELP' THEN 'Needs at level 2-3: an early help assessment with the family.'
                      WHEN 'CHILD_AND_FAMILY_ASSESSMENT' THEN 'The child may be in need: a single assessment under section 17.'
                      WHEN 'STRATEGY_DISCUSSION' THEN 'Reasonable cause to suspect significant harm: strategy discussion.'
                      WHEN 'NO_FURTHER_ACTION' THEN 'No role for children''s social care on this information.'
                      ELSE 'The case is open: passed to the allocated worker as new information.' END,
       'Thank you for the request. The hub''s decision and next steps have been recorded.',
       r.decided_by, r.decided_at, r.decided_at > r.due_at
FROM rq r WHERE r.status = 'DECIDED'
ORDER BY r.decided_at;

-- The cases the hub's decisions opened (one per child of a CHILD_AND_FAMILY_ASSESSMENT or
-- STRATEGY_DISCUSSION decision). A child's case closes before the child's next case opens, so a
-- child has at most one open case, as the app requires.
CREATE TEMP TABLE nc AS
WITH x AS (
  SELECT r.n, r.id AS request_id, r.decided_at AS opened_at, r.decided_by, r.outcome, r.team, p, r.n * 4 + p AS key,
         md5('report-child-' || (3 * (r.f - 1) + 1 + r.s + p))::uuid AS child_id,
         r.team * 10 + 1 + floor(pg_temp.u(r.n, 25) * 10)::int AS worker
  FROM rq r CROSS JOIN LATERAL generate_series(0, r.k - 1) p
  WHERE r.outcome IN ('CHILD_AND_FAMILY_ASSESSMENT', 'STRATEGY_DISCUSSION')
), y AS (
  SELECT x.*,
         CASE WHEN outcome = 'STRATEGY_DISCUSSION' THEN 'CHILD_PROTECTION' WHEN pg_temp.u(key, 400) < 0.15 THEN 'CHILD_IN_NEED' ELSE 'ASSESSMENT' END AS kind,
         lead(opened_at) OVER (PARTITION BY child_id ORDER BY opened_at, key) AS next_open
  FROM x
), z AS (
  SELECT y.*,
         opened_at + make_interval(days => CASE kind WHEN 'ASSESSMENT' THEN 20 + floor(45 * pg_temp.u(key, 401))::int
                                                     WHEN 'CHILD_IN_NEED' THEN 90 + floor(240 * pg_temp.u(key, 401))::int
                                                     ELSE 60 + floor(300 * pg_temp.u(key, 401))::int END,
                                     secs => floor(3600 * 6 * pg_temp.u(key, 402))) AS planned_close
  FROM y
), c AS (
  SELECT z.*,
         CASE WHEN next_open IS NOT NULL AND planned_close >= next_open THEN greatest(opened_at + interval '1 hour', next_open - interval '1 hour')
              ELSE planned_close END AS close_at
  FROM z
), s AS (
  SELECT c.*, (next_open IS NOT NULL OR close_at < timestamptz '2027-01-01 00:00+00') AS closed,
         CASE WHEN pg_temp.u(key, 410) < 0.6 THEN opened_at
              WHEN pg_temp.u(key, 410) < 0.95 THEN opened_at + make_interval(days => 1 + floor(9 * pg_temp.u(key, 411))::int) END AS alloc_pick,
         opened_at + interval '45 days' AS realloc_pick,
         c.team * 10 + 1 + ((c.worker - c.team * 10 - 1) + 1 + floor(9 * pg_temp.u(key, 413))::int) % 10 AS worker2
  FROM c
), a AS (
  SELECT s.*,
         CASE WHEN alloc_pick < CASE WHEN closed THEN close_at ELSE timestamptz '2027-01-01 00:00+00' END THEN alloc_pick END AS alloc_at
  FROM s
)
SELECT a.*, pg_temp.v7(a.opened_at, a.key, 420) AS id,
       CASE WHEN a.closed THEN a.close_at END AS closed_at,
       CASE WHEN a.alloc_at IS NOT NULL AND pg_temp.u(a.key, 412) < 0.12
             AND a.realloc_pick > a.alloc_at AND a.realloc_pick < CASE WHEN a.closed THEN a.close_at ELSE timestamptz '2027-01-01 00:00+00' END
            THEN a.realloc_pick END AS realloc_at,
       CASE a.kind WHEN 'ASSESSMENT' THEN CASE WHEN pg_temp.u(a.key, 403) < 0.6 THEN 'RC8' WHEN pg_temp.u(a.key, 403) < 0.9 THEN 'RC9' ELSE 'RC7' END
                   WHEN 'CHILD_IN_NEED' THEN CASE WHEN pg_temp.u(a.key, 403) < 0.8 THEN 'RC7' WHEN pg_temp.u(a.key, 403) < 0.85 THEN 'RC3'
                                                  WHEN pg_temp.u(a.key, 403) < 0.9 THEN 'RC4' WHEN pg_temp.u(a.key, 403) < 0.95 THEN 'RC5' ELSE 'RC6' END
                   ELSE CASE WHEN pg_temp.u(a.key, 403) < 0.75 THEN 'RC7' WHEN pg_temp.u(a.key, 403) < 0.85 THEN 'RC8'
                             WHEN pg_temp.u(a.key, 403) < 0.9 THEN 'RC3' WHEN pg_temp.u(a.key, 403) < 0.95 THEN 'RC4' ELSE 'RC5' END END AS reason
FROM a;
ANALYZE nc;

INSERT INTO cases (id, child_id, kind, status, team_id, allocated_worker_id, opened_at, closed_at, closure_reason, synthetic, version,
                   created_at, updated_at, origin_request_id, access_until)
SELECT c.id, c.child_id, c.kind, CASE WHEN c.closed_at IS NULL THEN 'OPEN' ELSE 'CLOSED' END, md5('team-' || c.team)::uuid,
       CASE WHEN c.realloc_at IS NOT NULL THEN md5('worker-' || c.worker2)::uuid WHEN c.alloc_at IS NOT NULL THEN md5('worker-' || c.worker)::uuid END,
       c.opened_at, c.closed_at, CASE WHEN c.closed_at IS NOT NULL THEN c.reason END, true,
       1 + coalesce(c.alloc_at > c.opened_at, false)::int + (c.realloc_at IS NOT NULL)::int + (c.closed_at IS NOT NULL)::int,
       c.opened_at, greatest(c.opened_at, c.alloc_at, c.realloc_at, c.closed_at), c.request_id,
       c.closed_at + interval '28 days'
FROM nc c ORDER BY c.opened_at;

-- Their history, and a history for the first seed's cases (opened, allocated, closed).
INSERT INTO case_events (id, case_id, kind, actor_id, at, team_id, worker_id, closure_reason)
SELECT pg_temp.v7(e.at, e.key, e.salt), e.case_id, e.kind, e.actor, e.at, e.team_id, e.worker_id, e.reason
FROM (
  SELECT c.id AS case_id, c.key * 4 AS key, 430 AS salt, 'OPENED' AS kind, c.decided_by AS actor, c.opened_at AS at,
         md5('team-' || c.team)::uuid AS team_id, NULL::uuid AS worker_id, NULL AS reason
  FROM nc c
  UNION ALL
  SELECT c.id, c.key * 4 + 1, 430, 'ALLOCATED', CASE WHEN c.alloc_at = c.opened_at THEN c.decided_by ELSE md5('report-tm-' || c.team)::uuid END,
         c.alloc_at, md5('team-' || c.team)::uuid, md5('worker-' || c.worker)::uuid, NULL
  FROM nc c WHERE c.alloc_at IS NOT NULL
  UNION ALL
  SELECT c.id, c.key * 4 + 2, 430, 'ALLOCATED', md5('report-tm-' || c.team)::uuid, c.realloc_at, md5('team-' || c.team)::uuid,
         md5('worker-' || c.worker2)::uuid, NULL
  FROM nc c WHERE c.realloc_at IS NOT NULL
  UNION ALL
  SELECT c.id, c.key * 4 + 3, 430, 'CLOSED', md5('report-tm-' || c.team)::uuid, c.closed_at, md5('team-' || c.team)::uuid, NULL, c.reason
  FROM nc c WHERE c.closed_at IS NOT NULL
  UNION ALL
  SELECT k.id, k.no * 4, 440, 'OPENED', md5('hub-1')::uuid, k.opened_at, k.team_id, NULL, NULL FROM
    (SELECT row_number() OVER (ORDER BY id) AS no, * FROM cases WHERE origin_request_id IS NULL) k
  UNION ALL
  SELECT k.id, k.no * 4 + 1, 440, 'ALLOCATED', md5('hub-1')::uuid, k.opened_at, k.team_id, k.allocated_worker_id, NULL FROM
    (SELECT row_number() OVER (ORDER BY id) AS no, * FROM cases WHERE origin_request_id IS NULL) k WHERE k.allocated_worker_id IS NOT NULL
  UNION ALL
  SELECT k.id, k.no * 4 + 3, 440, 'CLOSED', md5('hub-1')::uuid, k.closed_at, k.team_id, NULL, k.closure_reason FROM
    (SELECT row_number() OVER (ORDER BY id) AS no, * FROM cases WHERE origin_request_id IS NULL) k WHERE k.status = 'CLOSED'
) e
ORDER BY e.at;

INSERT INTO case_requests (case_id, request_id, how, attached_by, attached_at)
SELECT c.id, c.request_id, 'ORIGIN', c.decided_by, c.opened_at FROM nc c
UNION ALL
SELECT r.pass_case, r.id, 'PASSED', r.decided_by, r.decided_at FROM rq r WHERE r.outcome = 'PASS_TO_ALLOCATED_WORKER';

-- Early help referrals from the hub's EARLY_HELP decisions: allocated by an early help manager
-- within days (a lead practitioner of the service, or the referring partner who agreed to lead),
-- the assessment started within weeks; the latest still awaiting.
CREATE TEMP TABLE er AS
WITH b AS (
  SELECT r.n, r.id AS request_id, r.decided_at AS created_at, r.staff_id AS referrer, r.org_id AS referrer_org, r.agency,
         r.decided_level, r.family_name, r.f, r.s, r.k, r.pass_child,
         r.decided_at + make_interval(days => 1 + floor(14 * power(pg_temp.u(r.n, 501), 2))::int, secs => floor(7200 * pg_temp.u(r.n, 506))) AS alloc_pick,
         pg_temp.u(r.n, 503) < 0.2 AND r.agency <> 'LA_EARLY_HELP' AS partner_lead
  FROM rq r WHERE r.outcome = 'EARLY_HELP'
), a AS (
  SELECT b.*,
         pg_temp.u(n, 502) < 0.96 AND alloc_pick < timestamptz '2027-01-01 00:00+00' AS allocated,
         (alloc_pick AT TIME ZONE 'Europe/London')::date + 2 + floor(18 * pg_temp.u(n, 504))::int AS start_pick,
         CASE WHEN partner_lead THEN referrer ELSE md5('report-ehp-' || (1 + floor(60 * pg_temp.u(n, 505))::int))::uuid END AS lead,
         CASE WHEN partner_lead THEN referrer_org ELSE md5('report-org-eh')::uuid END AS lead_org
  FROM b
)
SELECT a.*, pg_temp.v7(a.created_at, a.n, 500) AS id,
       a.allocated AND pg_temp.u(a.n, 507) < 0.93 AND a.start_pick <= date '2026-12-31' AS started,
       md5('report-ehm-' || (1 + floor(3 * pg_temp.u(a.n, 508))::int))::uuid AS allocated_by
FROM a;
ANALYZE er;

-- Early help assessments: from those referrals, started directly by practitioners during 2026,
-- and carried over from the second half of 2025.
CREATE TEMP TABLE ea AS
WITH src AS (
  SELECT 'REF' AS src, e.n AS key, e.request_id, e.start_pick AS started_on, e.lead, e.lead_org,
         coalesce(e.decided_level, 'UNIVERSAL_PLUS') AS level, e.f, e.s, e.k, e.family_name
  FROM er e WHERE e.started
  UNION ALL
  SELECT 'DIRECT', 1000000 + m, NULL, w.d,
         CASE WHEN pg_temp.u(1000000 + m, 601) < 0.6 THEN o.staff_id ELSE md5('report-ehp-' || (1 + floor(60 * pg_temp.u(1000000 + m, 602))::int))::uuid END,
         CASE WHEN pg_temp.u(1000000 + m, 601) < 0.6 THEN o.org_id ELSE md5('report-org-eh')::uuid END,
         CASE WHEN pg_temp.u(1000000 + m, 603) < 0.6 THEN 'UNIVERSAL_PLUS' ELSE 'INTENSIVE' END,
         1 + floor(20000 * pg_temp.u(1000000 + m, 604))::int, 0, 1 + floor(3 * pg_temp.u(1000000 + m, 605))::int, NULL
  FROM generate_series(1, 7000) m
  JOIN wd w ON w.i = (SELECT min(i) FROM wd WHERE d >= date '2026-01-01')
                     + floor(pg_temp.u(1000000 + m, 600) * (SELECT count(*) FROM wd WHERE d BETWEEN date '2026-01-01' AND date '2026-12-31'))::int
  JOIN orgslot o ON o.purpose = 'update' AND o.slot = floor(pg_temp.u(1000000 + m, 606) * 1000)::int
  UNION ALL
  SELECT 'CARRIED', 2000000 + m, NULL, w.d,
         CASE WHEN pg_temp.u(2000000 + m, 601) < 0.6 THEN o.staff_id ELSE md5('report-ehp-' || (1 + floor(60 * pg_temp.u(2000000 + m, 602))::int))::uuid END,
         CASE WHEN pg_temp.u(2000000 + m, 601) < 0.6 THEN o.org_id ELSE md5('report-org-eh')::uuid END,
         CASE WHEN pg_temp.u(2000000 + m, 603) < 0.6 THEN 'UNIVERSAL_PLUS' ELSE 'INTENSIVE' END,
         1 + floor(20000 * pg_temp.u(2000000 + m, 604))::int, 0, 1 + floor(3 * pg_temp.u(2000000 + m, 605))::int, NULL
  FROM generate_series(1, 3000) m
  JOIN wd w ON w.i = (SELECT min(i) FROM wd WHERE d >= date '2025-06-01')
                     + floor(pg_temp.u(2000000 + m, 600) * (SELECT count(*) FROM wd WHERE d BETWEEN date '2025-06-01' AND date '2025-12-31'))::int
  JOIN orgslot o ON o.purpose = 'update' AND o.slot = floor(pg_temp.u(2000000 + m, 606) * 1000)::int
), p AS (
  SELECT src.*,
         src.started_on + 7 + floor(28 * pg_temp.u(key, 610))::int AS completed_pick,
         CASE WHEN pg_temp.u(key, 611) < 0.9 THEN src.started_on + 14 + floor(36 * pg_temp.u(key, 612))::int END AS plan_pick,
         pg_temp.u(key, 613) AS cu, pg_temp.u(key, 614) AS ou
  FROM src
), q AS (
  SELECT p.*,
         CASE WHEN plan_pick IS NOT NULL THEN plan_pick + CASE extract(isodow FROM plan_pick) WHEN 6 THEN 2 WHEN 7 THEN 1 ELSE 0 END END AS plan_day
  FROM p
), c AS (
  SELECT q.*,
         CASE WHEN plan_day IS NOT NULL THEN plan_day + 90 + floor(240 * cu)::int
              WHEN cu < 0.6 THEN started_on + 20 + floor(40 * pg_temp.u(key, 615))::int END AS close_pick
  FROM q
)
SELECT c.*,
       -- (a referral's assessment has the id its referral records: the same key, the same start)
       pg_temp.v7(pg_temp.lon(c.started_on + time '10:00'), c.key, 600) AS aid,
       CASE WHEN c.close_pick <= date '2026-12-31' THEN c.close_pick END AS closed_on,
       CASE WHEN c.plan_day <= date '2026-12-31' AND (c.close_pick IS NULL OR c.plan_day < c.close_pick) THEN c.plan_day END AS plan_agreed_on,
       CASE WHEN c.completed_pick <= date '2026-12-31' THEN c.completed_pick END AS completed_on,
       CASE WHEN c.plan_day IS NULL THEN CASE WHEN c.ou < 0.5 THEN 'CONSENT_WITHDRAWN' WHEN c.ou < 0.8 THEN 'NEEDS_MET' ELSE 'SINGLE_AGENCY' END
            WHEN c.ou < 0.45 THEN 'NEEDS_MET' WHEN c.ou < 0.67 THEN 'STEP_DOWN_TO_UNIVERSAL' WHEN c.ou < 0.82 THEN 'SINGLE_AGENCY'
            WHEN c.ou < 0.92 THEN 'CONSENT_WITHDRAWN' ELSE 'STEP_UP_TO_SOCIAL_CARE' END AS outcome_pick,
       (extract(year FROM c.started_on))::int AS ref_year
FROM c;
ANALYZE ea;

-- The TAF meetings: the first agrees the plan, the first review within about six weeks (most),
-- later ones every two to three months, until closure or the end of the year.
CREATE TEMP TABLE em AS
SELECT m.*, pg_temp.v7(pg_temp.lon(m.held_on + time '14:00'), m.key * 16 + m.j, 700) AS id
FROM (
  SELECT a.aid AS assessment_id, a.key, a.lead, a.closed_on, j,
         held + CASE extract(isodow FROM held) WHEN 6 THEN 2 WHEN 7 THEN 1 ELSE 0 END AS held_on,
         held + CASE extract(isodow FROM held) WHEN 6 THEN 2 WHEN 7 THEN 1 ELSE 0 END + CASE WHEN j = 0 THEN 42 ELSE 70 END AS next_meeting_on
  FROM ea a CROSS JOIN LATERAL generate_series(0, 9) j
  CROSS JOIN LATERAL (SELECT CASE WHEN j = 0 THEN a.plan_agreed_on
                                  ELSE a.plan_agreed_on
                                       + CASE WHEN pg_temp.u(a.key, 701) < 0.8 THEN 21 + floor(21 * pg_temp.u(a.key, 702))::int
                                              ELSE 43 + floor(30 * pg_temp.u(a.key, 702))::int END
                                       + (j - 1) * (56 + floor(35 * pg_temp.u(a.key, 703))::int)
                                       + CASE WHEN j > 1 THEN floor(20 * pg_temp.u(a.key * 16 + j, 704))::int - 10 ELSE 0 END END AS held) h
  WHERE a.plan_agreed_on IS NOT NULL
) m
WHERE m.held_on <= date '2026-12-31' AND (m.closed_on IS NULL OR m.held_on < m.closed_on);
ANALYZE em;

-- Drafts made by step-up closures (not submitted: drafts are never counted in the reports).
INSERT INTO requests_for_support (id, reference, referrer_id, referrer_org_id, status, urgent, phone_contact_at, received_at, due_at,
    referrer_level, discussed_with_safeguarding_lead, safeguarding_lead_name, safeguarding_lead_consulted_on, advice_line_consulted,
    parents_aware, parents_not_aware_reason, consent_status, consent_given_by, consent_covers, consent_reason, consent_date,
    anonymous_source, concerns, concern_categories, support_in_place, support_outcome, child_views, neglect_screening_id,
    idempotency_key, payload_hash, version, created_at, updated_at, withdrawn_at, withdrawal_reason)
SELECT d.id, 'DRAFT-' || right(replace(d.id::text, '-', ''), 12), a.lead, a.lead_org, 'DRAFT', false, NULL, d.at, d.at,
       'SPECIALIST', false, NULL, NULL, false, true, NULL, 'GIVEN', 'PARENT_CARER', 'Sharing with the team around the family and the hub.',
       NULL, a.started_on, false, 'Needs have escalated despite the early help plan; social care assessment requested.', '16A',
       'Early help plan with the team around the family.', 'Some actions completed; the main concerns remain.', NULL, NULL,
       NULL, '', 1, d.at, d.at, NULL, NULL
FROM ea a CROSS JOIN LATERAL (SELECT pg_temp.lon(a.closed_on + time '16:00') AS at,
                                     pg_temp.v7(pg_temp.lon(a.closed_on + time '16:00'), a.key, 650) AS id) d
WHERE a.closed_on IS NOT NULL AND a.outcome_pick = 'STEP_UP_TO_SOCIAL_CARE';

INSERT INTO early_help_assessments (id, reference, lead_id, lead_org_id, status, reason, child_voice, family_voice, level, consent_status,
    consent_given_by, consent_covers, consent_reason, consent_date, started_on, completed_on, plan_agreed_on, next_review_due, closed_on,
    closed_at, closed_by, closure_outcome, closure_reason, step_up_request_id, version, created_at, updated_at)
SELECT a.aid, 'EHA-' || a.ref_year || '-' || lpad((row_number() OVER (PARTITION BY a.ref_year ORDER BY a.started_on, a.key))::text, 6, '0'),
       a.lead, a.lead_org,
       CASE WHEN a.closed_on IS NOT NULL THEN 'CLOSED' WHEN a.plan_agreed_on IS NOT NULL THEN 'PLAN_ACTIVE' ELSE 'ASSESSMENT' END,
       (ARRAY['The family asked for help with routines, school attendance and money worries.',
              'Worries about the children''s emotional wellbeing after a family breakdown.',
              'Parenting support needed: the parent is isolated and struggling with the youngest child''s behaviour.',
              'Low school attendance, housing difficulties and a parent with poor mental health.',
              'The young person is at risk of exclusion and has started to go missing for short periods.'])[1 + floor(5 * pg_temp.u(a.key, 620))::int],
       CASE WHEN pg_temp.u(a.key, 621) < 0.7 THEN 'The child says they want things to be calmer at home.' END,
       CASE WHEN pg_temp.u(a.key, 622) < 0.7 THEN 'The parent wants support with routines and with school.' END,
       a.level, 'GIVEN', CASE WHEN pg_temp.u(a.key, 623) < 0.85 THEN 'PARENT_CARER' ELSE 'BOTH' END,
       'Sharing with the team around the family.', NULL, a.started_on, a.started_on, a.completed_on, a.plan_agreed_on,
       CASE WHEN a.closed_on IS NULL AND a.plan_agreed_on IS NOT NULL THEN
         CASE WHEN lm.held_on > a.plan_agreed_on THEN least(lm.next_meeting_on, (lm.held_on + interval '3 months')::date)
              ELSE a.plan_agreed_on + 42 END END,
       a.closed_on, pg_temp.lon(a.closed_on + time '16:00'), CASE WHEN a.closed_on IS NOT NULL THEN a.lead END,
       CASE WHEN a.closed_on IS NOT NULL THEN a.outcome_pick END,
       CASE WHEN a.closed_on IS NOT NULL AND a.outcome_pick IN ('CONSENT_WITHDRAWN', 'STEP_UP_TO_SOCIAL_CARE', 'SINGLE_AGENCY')
            THEN 'Closed with the family''s agreement; the open actions pass to the agencies named in the plan.' END,
       CASE WHEN a.closed_on IS NOT NULL AND a.outcome_pick = 'STEP_UP_TO_SOCIAL_CARE'
            THEN pg_temp.v7(pg_temp.lon(a.closed_on + time '16:00'), a.key, 650) END,
       1 + (a.completed_on IS NOT NULL)::int + coalesce(lm.meetings, 0) + (a.closed_on IS NOT NULL)::int,
       pg_temp.lon(a.started_on + time '10:00'),
       pg_temp.lon(greatest(a.started_on, a.completed_on, lm.held_on, a.closed_on) + time '16:30')
FROM ea a
LEFT JOIN (SELECT DISTINCT ON (assessment_id) assessment_id, held_on, next_meeting_on, count(*) OVER (PARTITION BY assessment_id) AS meetings
           FROM em ORDER BY assessment_id, held_on DESC) lm ON lm.assessment_id = a.aid
ORDER BY a.started_on, a.key;

INSERT INTO early_help_referrals (id, request_id, status, lead_id, allocated_by, allocated_at, assessment_id, version, created_at, updated_at)
SELECT e.id, e.request_id,
       CASE WHEN e.started THEN 'ASSESSMENT_STARTED' WHEN e.allocated THEN 'ALLOCATED' ELSE 'AWAITING_ALLOCATION' END,
       CASE WHEN e.allocated THEN e.lead END, CASE WHEN e.allocated THEN e.allocated_by END,
       CASE WHEN e.allocated THEN e.alloc_pick END,
       CASE WHEN e.started THEN pg_temp.v7(pg_temp.lon(e.start_pick + time '10:00'), e.n, 600) END,
       1 + e.allocated::int + e.started::int, e.created_at,
       CASE WHEN e.started THEN pg_temp.lon(e.start_pick + time '10:00') WHEN e.allocated THEN e.alloc_pick ELSE e.created_at END
FROM er e ORDER BY e.created_at;

INSERT INTO early_help_meetings (id, assessment_id, held_on, child_views, family_views, next_meeting_on, recorded_by, recorded_at)
SELECT m.id, m.assessment_id, m.held_on,
       CASE WHEN pg_temp.u(m.key * 16 + m.j, 710) < 0.5 THEN 'The child said school feels better this month.' END,
       CASE WHEN pg_temp.u(m.key * 16 + m.j, 711) < 0.6 THEN 'The family feel the plan is helping.' END,
       m.next_meeting_on, m.lead, pg_temp.lon(m.held_on + time '16:30')
FROM em m ORDER BY m.held_on;

INSERT INTO early_help_taf_members (id, assessment_id, staff_id, added_by, added_at, removed_at, removed_by)
SELECT pg_temp.v7(t.added_at, a.key * 8 + j, 800), a.aid, tp.staff_id, a.lead, t.added_at,
       CASE WHEN a.plan_agreed_on IS NOT NULL AND pg_temp.u(a.key * 8 + j, 802) < 0.1 THEN t.added_at + interval '60 days' END,
       CASE WHEN a.plan_agreed_on IS NOT NULL AND pg_temp.u(a.key * 8 + j, 802) < 0.1 THEN a.lead END
FROM ea a CROSS JOIN LATERAL generate_series(0, 1 + floor(3 * pg_temp.u(a.key, 801))::int) j
CROSS JOIN LATERAL (SELECT pg_temp.lon(a.started_on + time '11:00' + make_interval(days => j)) AS added_at) t
JOIN tafpool tp ON tp.i = ((hashint8extended(a.key, 803) & 1073741823) + j * 37) % (SELECT count(*) FROM tafpool)
WHERE tp.staff_id <> a.lead;

INSERT INTO early_help_plan_actions (id, assessment_id, position, need, action, responsible_staff_id, responsible_member_id, responsible_name,
    responsible_organisation, intended_outcome, target_date, compartment, status, agreed_with_family, created_at, updated_at)
SELECT pg_temp.v7(pg_temp.lon(a.plan_agreed_on + time '15:00'), a.key * 8 + j, 900), a.aid, j,
       (ARRAY['Regular school attendance', 'Calmer bedtime and morning routines', 'Stable housing', 'Support with the parent''s mental health',
              'Money and debt advice'])[1 + (j + floor(5 * pg_temp.u(a.key, 901))::int) % 5],
       (ARRAY['Attendance plan agreed with school; weekly check-in', 'Parenting programme, eight sessions', 'Housing application supported',
              'Referral to talking therapies with the parent''s consent', 'Appointment with the money advice service'])[1 + (j + floor(5 * pg_temp.u(a.key, 901))::int) % 5],
       CASE WHEN pg_temp.u(a.key * 8 + j, 902) < 0.7 THEN a.lead END, NULL,
       CASE WHEN pg_temp.u(a.key * 8 + j, 902) >= 0.7 THEN 'Synthetic Family Support Worker' END,
       CASE WHEN pg_temp.u(a.key * 8 + j, 902) >= 0.7 THEN 'Synthetic Family Support Trust' END,
       'The family say things are better and the change has lasted.',
       a.plan_agreed_on + 28 + floor(90 * pg_temp.u(a.key * 8 + j, 903))::int,
       CASE WHEN pg_temp.u(a.key * 8 + j, 904) < 0.8 THEN (ARRAY['BASICS', 'BELONGING', 'LEARNING', 'COPING', 'CORE_SELF'])[1 + floor(5 * pg_temp.u(a.key * 8 + j, 905))::int] END,
       CASE WHEN a.closed_on IS NOT NULL THEN CASE WHEN pg_temp.u(a.key * 8 + j, 906) < 0.75 THEN 'DONE' ELSE 'NOT_DONE' END
            WHEN a.plan_agreed_on + 28 + floor(90 * pg_temp.u(a.key * 8 + j, 903))::int <= date '2026-12-31'
              THEN CASE WHEN pg_temp.u(a.key * 8 + j, 906) < 0.45 THEN 'DONE' WHEN pg_temp.u(a.key * 8 + j, 906) < 0.85 THEN 'IN_PROGRESS' ELSE 'NOT_STARTED' END
            ELSE CASE WHEN pg_temp.u(a.key * 8 + j, 906) < 0.6 THEN 'IN_PROGRESS' ELSE 'NOT_STARTED' END END,
       true, pg_temp.lon(a.plan_agreed_on + time '15:00'), pg_temp.lon(coalesce(a.closed_on, a.plan_agreed_on) + time '15:00')
FROM ea a CROSS JOIN LATERAL generate_series(0, 1 + floor(3 * pg_temp.u(a.key, 907))::int) j
WHERE a.plan_agreed_on IS NOT NULL;

-- The assessment's children and household: a referral's come from its request; the others are
-- a family's children, linked to their records on about 70% of assessments.
INSERT INTO early_help_children (id, assessment_id, position, child_id, given_name, family_name, date_of_birth, expected_delivery_date, sex,
                                 address_line, postcode, school_or_setting, link_override_reason)
SELECT pg_temp.v7(pg_temp.lon(a.started_on + time '10:00'), a.key * 8 + rc.position, 1000), a.aid, rc.position, rc.child_id,
       rc.given_name, rc.family_name, rc.date_of_birth, rc.expected_delivery_date, rc.sex, rc.address_line, rc.postcode, rc.school_or_setting, NULL
FROM ea a JOIN request_children rc ON rc.request_id = a.request_id
WHERE a.src = 'REF'
UNION ALL
SELECT pg_temp.v7(pg_temp.lon(a.started_on + time '10:00'), a.key * 8 + p, 1000), a.aid, p,
       CASE WHEN pg_temp.u(a.key, 1001) < 0.7 THEN ch.id END, ch.given_name, ch.family_name, ch.date_of_birth, NULL, ch.sex,
       ch.address_line, ch.postcode,
       CASE WHEN ch.date_of_birth < date '2022-09-01' THEN 'Synthetic Primary School ' || (1 + abs(hashtext(ch.family_name)) % 60) END, NULL
FROM ea a CROSS JOIN LATERAL generate_series(0, a.k - 1) p
JOIN children ch ON ch.id = md5('report-child-' || (3 * (a.f - 1) + 1 + p))::uuid
WHERE a.src <> 'REF';

INSERT INTO early_help_household_members (id, assessment_id, position, given_name, family_name, relationship, parental_responsibility, lives_with_child)
SELECT pg_temp.v7(pg_temp.lon(a.started_on + time '10:00'), a.key * 8 + hm.position, 1010), a.aid, hm.position, hm.given_name, hm.family_name,
       hm.relationship, hm.parental_responsibility, hm.lives_with_child
FROM ea a JOIN request_household_members hm ON hm.request_id = a.request_id
WHERE a.src = 'REF'
UNION ALL
SELECT pg_temp.v7(pg_temp.lon(a.started_on + time '10:00'), a.key * 8 + p, 1010), a.aid, p,
       (ARRAY['Alexis','Bailey','Casey','Devon','Emery','Finley','Harper','Jordan','Morgan','Quinn','Reese','Sasha'])[1 + floor(pg_temp.u(a.key * 8 + p, 1011) * 12)::int],
       'Synthetic' || lpad(a.f::text, 5, '0'), CASE WHEN p = 0 THEN 'MOTHER' ELSE 'FATHER' END, true, p = 0 OR pg_temp.u(a.key, 1013) < 0.6
FROM ea a CROSS JOIN LATERAL generate_series(0, (pg_temp.u(a.key, 1012) < 0.5)::int) p
WHERE a.src <> 'REF';

-- Advice-line consultations: professionals calling the hub in its hours, no family named.
INSERT INTO advice_consultations (id, logged_by, called_at, duration_minutes, caller_agency_type, concern_categories, level_discussed,
                                  summary, outcome, request_advised, created_at)
SELECT pg_temp.v7(x.called_at, x.m, 1100), x.logged_by, x.called_at, x.duration, x.agency,
       (SELECT string_agg(DISTINCT t.c COLLATE "C", ',' ORDER BY t.c COLLATE "C") FROM unnest((ARRAY[x.c1, x.c2])[1:x.ncat]) t(c)),
       CASE WHEN pg_temp.u(x.m, 1105) < 0.8 THEN (ARRAY['UNIVERSAL', 'UNIVERSAL_PLUS', 'UNIVERSAL_PLUS', 'UNIVERSAL_PLUS', 'UNIVERSAL_PLUS',
                                                          'INTENSIVE', 'INTENSIVE', 'INTENSIVE', 'SPECIALIST', 'SPECIALIST'])[1 + floor(10 * pg_temp.u(x.m, 1106))::int] END,
       (ARRAY['Teacher worried about attendance and hunger; talked through an early help assessment.',
              'Health visitor unsure whether worries about home conditions meet the threshold; advised on next steps.',
              'Caller concerned about a young person going missing; advised to make a request for support.',
              'Worker asked how to talk to a parent about consent before making a request.',
              'Nursery staff noticed a change in behaviour; agreed to monitor and record, and call back.',
              'Caller described a disclosure of harm; told to telephone the hub now.'])[1 + floor(6 * pg_temp.u(x.m, 1107))::int],
       x.outcome, x.outcome IN ('REQUEST_FOR_SUPPORT_ADVISED', 'PHONE_MASH_NOW'), x.called_at + make_interval(mins => x.duration)
FROM (
  SELECT m, o.agency, h.id AS logged_by, ca.code AS c1, cb.code AS c2, 1 + (pg_temp.u(m, 1104) < 0.3)::int AS ncat,
         5 + floor(40 * power(pg_temp.u(m, 1103), 2))::int AS duration,
         pg_temp.lon(w.d + w.opens + (w.closes - w.opens) * ((pg_temp.u(m, 1101) + pg_temp.u(m, 1102)) / 2)) AS called_at,
         CASE WHEN pg_temp.u(m, 1108) < 0.40 THEN 'ADVICE_ONLY' WHEN pg_temp.u(m, 1108) < 0.55 THEN 'SIGNPOSTED'
              WHEN pg_temp.u(m, 1108) < 0.77 THEN 'EARLY_HELP_ADVISED' WHEN pg_temp.u(m, 1108) < 0.97 THEN 'REQUEST_FOR_SUPPORT_ADVISED'
              ELSE 'PHONE_MASH_NOW' END AS outcome
  FROM generate_series(1, 18000) m
  JOIN dayslot ds ON ds.slot = floor(pg_temp.u(m, 1109) * 10000)::int
  JOIN cal c ON c.d = ds.d
  JOIN wd w ON w.d = CASE WHEN c.working THEN c.d ELSE c.next_wd END
  JOIN orgslot o ON o.purpose = 'advice' AND o.slot = floor(pg_temp.u(m, 1110) * 1000)::int
  JOIN hubw h ON h.i = floor(pg_temp.u(m, 1111) * 13)::int
  JOIN ccslot ca ON ca.slot = floor(pg_temp.u(m, 1112) * 100)::int
  JOIN ccslot cb ON cb.slot = floor(pg_temp.u(m, 1113) * 100)::int
) x
ORDER BY x.called_at;

-- Partner updates. Matched ones come from the cases open during 2026 (the first seed's and the
-- ones above), in proportion to the days each was open, on working days mostly; the child's
-- name and date of birth are the record's. Unmatched ones are about children with no record.
CREATE TEMP TABLE pw AS
WITH k AS (
  SELECT row_number() OVER (ORDER BY k.id) AS cno, k.id AS case_id, k.child_id, k.team_id, k.allocated_worker_id,
         greatest(k.opened_at, timestamptz '2026-01-01 00:00+00') AS ws,
         least(coalesce(k.closed_at, timestamptz '2027-01-01 00:00+00'), timestamptz '2027-01-01 00:00+00') AS we
  FROM cases k
  WHERE k.opened_at < timestamptz '2027-01-01 00:00+00' AND coalesce(k.closed_at, timestamptz '2027-01-01 00:00+00') > timestamptz '2026-01-02 00:00+00'
), w AS (
  SELECT k.*, extract(epoch FROM we - ws) / 86400 * (0.4 + 1.2 * pg_temp.u(cno, 1200)) AS weight
  FROM k WHERE we > ws + interval '1 day'
)
SELECT w.*, round(820000 * weight / sum(weight) OVER ())::int AS cnt,
       cs.wdi AS lo, ce.wdi AS hi,
       (ws AT TIME ZONE 'Europe/London')::date AS ws_day, ((we AT TIME ZONE 'Europe/London')::date - (ws AT TIME ZONE 'Europe/London')::date) AS days,
       coalesce(w.allocated_worker_id, t.tm_id) AS reviewer
FROM w JOIN cal cs ON cs.d = (ws AT TIME ZONE 'Europe/London')::date JOIN cal ce ON ce.d = (we AT TIME ZONE 'Europe/London')::date
LEFT JOIN tmap t ON t.team_id = w.team_id;
ANALYZE pw;

CREATE TEMP TABLE pu AS
WITH m AS (
  SELECT pw.cno * 1000 + j AS key, pw.cno * 4 + j % 4 AS skey, pw.case_id, pw.child_id, pw.reviewer, pw.ws, pw.we,
         coalesce(wd.d, pw.ws_day + floor(pg_temp.u(pw.cno * 1000 + j, 2) * greatest(pw.days, 1))::int) AS day
  FROM pw CROSS JOIN LATERAL generate_series(1, pw.cnt) j
  LEFT JOIN wd ON wd.i = CASE WHEN pw.hi > pw.lo AND pg_temp.u(pw.cno * 1000 + j, 1) < 0.92
                              THEN pw.lo + floor(pg_temp.u(pw.cno * 1000 + j, 2) * (pw.hi - pw.lo))::int END
), mt AS (
  SELECT m.key, m.skey, m.case_id, m.child_id, m.reviewer,
         least(greatest(pg_temp.lon(m.day + make_interval(secs => floor(
                 CASE WHEN c.working THEN 28800 + 36000 * (pg_temp.u(m.key, 3) + pg_temp.u(m.key, 4)) / 2 ELSE 32400 + 43200 * pg_temp.u(m.key, 3) END))),
                        m.ws + interval '1 minute'), m.we - interval '1 minute') AS received_at
  FROM m JOIN cal c ON c.d = m.day
), u AS (
  SELECT 900000000 + n AS key, 900000000 + n AS skey, NULL::uuid AS case_id, NULL::uuid AS child_id, NULL::uuid AS reviewer,
         pg_temp.lon(ds.d + make_interval(secs => floor(
           CASE WHEN c.working THEN 28800 + 36000 * (pg_temp.u(900000000 + n, 3) + pg_temp.u(900000000 + n, 4)) / 2 ELSE 32400 + 43200 * pg_temp.u(900000000 + n, 3) END))) AS received_at
  FROM generate_series(1, 205000) n
  JOIN dayslot ds ON ds.slot = floor(pg_temp.u(900000000 + n, 1) * 10000)::int
  JOIN cal c ON c.d = ds.d
)
SELECT x.*, (x.received_at AT TIME ZONE 'Europe/London') AS local_at FROM (SELECT * FROM mt UNION ALL SELECT * FROM u) x;
ANALYZE pu;

INSERT INTO partner_updates (id, reference, sender_id, sender_org_id, child_given_name, child_family_name, given_key, family_key,
                             child_date_of_birth, nhs_number, upn, kind, contact_mode, unsuccessful_reason, occurred_at, details,
                             concern, received_at, due_at, child_id, case_id, matched_at, matched_by, reviewed_at, reviewed_by,
                             review_action, review_note, overdue_alerted, idempotency_key, payload_hash, version, created_at, updated_at)
SELECT pg_temp.v7(y.received_at, y.key, 1300), 'PU-2026-' || lpad((row_number() OVER (ORDER BY y.received_at, y.key))::text, 7, '0'),
       y.sender_id, y.sender_org_id, y.given_name, y.family_name, lower(y.given_name), lower(y.family_name), y.dob,
       CASE WHEN y.child_id IS NOT NULL AND pg_temp.u(y.key, 1310) < 0.4 THEN y.nhs_number END,
       CASE WHEN y.child_id IS NOT NULL AND pg_temp.u(y.key, 1311) < 0.2 THEN y.upn END,
       y.kind,
       CASE WHEN y.kind = 'CONTACT_WITH_CHILD' THEN CASE WHEN pg_temp.u(y.key, 1312) < 0.7 THEN 'FACE_TO_FACE' WHEN pg_temp.u(y.key, 1312) < 0.9 THEN 'PHONE' ELSE 'VIRTUAL' END END,
       CASE WHEN y.kind = 'UNSUCCESSFUL_CONTACT' THEN CASE WHEN pg_temp.u(y.key, 1312) < 0.5 THEN 'NOT_BROUGHT_TO_APPOINTMENT'
                                                           WHEN pg_temp.u(y.key, 1312) < 0.85 THEN 'NOT_PRESENT_AT_HOME_VISIT' ELSE 'OTHER' END END,
       y.received_at - make_interval(mins => floor(15 + 4300 * power(pg_temp.u(y.key, 1313), 2))::int),
       CASE y.kind WHEN 'CONTACT_WITH_CHILD' THEN (ARRAY['The child was seen today and seemed settled.', 'Seen at a planned appointment; no new concerns noted.',
                                                          'The child was seen with a parent; appeared tired and quiet.'])[1 + floor(3 * pg_temp.u(y.key, 1314))::int]
                   WHEN 'UNSUCCESSFUL_CONTACT' THEN (ARRAY['The child was not brought to the appointment; a new one has been offered.',
                                                            'No answer at the home visit; a card was left.'])[1 + floor(2 * pg_temp.u(y.key, 1314))::int]
                   WHEN 'CHANGE_IN_SERVICES' THEN (ARRAY['Not currently in school this week; the attendance officer is informed.',
                                                          'The family has moved to a new GP practice.'])[1 + floor(2 * pg_temp.u(y.key, 1314))::int]
                   WHEN 'CHANGE_IN_CIRCUMSTANCES' THEN (ARRAY['A new adult has moved into the household.', 'The family has been given notice by the landlord.',
                                                               'Police attended the address overnight following a reported disturbance.'])[1 + floor(3 * pg_temp.u(y.key, 1314))::int]
                   ELSE 'For the social worker''s information; no action requested.' END
         || CASE WHEN pg_temp.u(y.key, 1315) < 0.5 THEN ' The designated safeguarding lead has been informed.' ELSE '' END,
       y.concern, y.received_at, y.due_at, y.child_id, y.case_id,
       CASE WHEN y.child_id IS NOT NULL THEN y.matched_at END, CASE WHEN y.manual THEN y.matcher END,
       y.reviewed_at, CASE WHEN y.reviewed_at IS NOT NULL THEN coalesce(y.reviewer, y.matcher) END,
       CASE WHEN y.reviewed_at IS NULL THEN NULL
            WHEN y.child_id IS NULL THEN 'NONE'
            WHEN y.concern THEN CASE WHEN pg_temp.u(y.key, 1316) < 0.3 THEN 'ESCALATED' WHEN pg_temp.u(y.key, 1316) < 0.6 THEN 'CONTACT_MADE'
                                     WHEN pg_temp.u(y.key, 1316) < 0.8 THEN 'VISIT_ARRANGED' ELSE 'NONE' END
            ELSE CASE WHEN pg_temp.u(y.key, 1316) < 0.72 THEN 'NONE' WHEN pg_temp.u(y.key, 1316) < 0.87 THEN 'CONTACT_MADE'
                      WHEN pg_temp.u(y.key, 1316) < 0.97 THEN 'VISIT_ARRANGED' ELSE 'ESCALATED' END END,
       CASE WHEN y.reviewed_at IS NOT NULL AND pg_temp.u(y.key, 1317) < 0.3 THEN 'Noted; discussed with the family at the next visit.' END,
       (y.reviewed_at IS NULL AND y.due_at < timestamptz '2027-01-01 00:00+00') OR coalesce(y.reviewed_at > y.due_at, false),
       NULL, encode(sha256(convert_to('pu-' || y.key, 'UTF8')), 'hex'),
       1 + y.manual::int + (y.reviewed_at IS NOT NULL)::int, y.received_at,
       greatest(y.received_at, y.matched_at, y.reviewed_at)
FROM (
  SELECT r.*,
         CASE WHEN NOT r.reviewed THEN NULL
              WHEN pg_temp.u(r.key, 1306) < 0.2 OR r.matched_at >= r.due_at
                THEN greatest(r.due_at, r.matched_at) + make_interval(mins => 30 + floor(4200 * pg_temp.u(r.key, 1307))::int)
              ELSE r.matched_at + (r.due_at - r.matched_at) * (0.1 + 0.85 * pg_temp.u(r.key, 1307)) END AS reviewed_at
  FROM (
    SELECT q.*, coalesce(ch.given_name, q.ugiven) AS given_name, coalesce(ch.family_name, q.ufamily) AS family_name,
           coalesce(ch.date_of_birth, q.udob) AS dob, ch.nhs_number, ch.upn,
           CASE WHEN q.manual THEN q.received_at + make_interval(mins => 60 + floor(2820 * pg_temp.u(q.key, 1304))::int) ELSE q.received_at END AS matched_at,
           CASE WHEN q.child_id IS NOT NULL
                THEN pg_temp.u(q.key, 1305) < CASE WHEN q.local_at >= timestamp '2026-12-30 00:00' THEN 0.3 ELSE 0.93 END
                ELSE pg_temp.u(q.key, 1305) < CASE WHEN q.local_at >= timestamp '2026-12-30 00:00' THEN 0.2 ELSE 0.6 END END AS reviewed
    FROM (
      SELECT p.*, o.staff_id AS sender_id, o.org_id AS sender_org_id, h.id AS matcher,
             pg_temp.lon(CASE WHEN c.working AND p.local_at::time < time '10:00' THEN p.local_at::date + time '10:00'
                              WHEN c.working AND p.local_at::time < time '15:00' THEN p.local_at::date + time '15:00'
                              ELSE c.next_wd + time '10:00' END) AS due_at,
             CASE WHEN pg_temp.u(p.key, 1301) < 0.35 THEN 'CONTACT_WITH_CHILD' WHEN pg_temp.u(p.key, 1301) < 0.5 THEN 'UNSUCCESSFUL_CONTACT'
                  WHEN pg_temp.u(p.key, 1301) < 0.65 THEN 'CHANGE_IN_SERVICES' WHEN pg_temp.u(p.key, 1301) < 0.85 THEN 'CHANGE_IN_CIRCUMSTANCES'
                  ELSE 'OTHER' END AS kind,
             pg_temp.u(p.key, 1302) < 0.1 AS concern,
             p.child_id IS NOT NULL AND pg_temp.u(p.key, 1303) < 0.05 AS manual,
             (ARRAY['Avalon','Brindle','Corrin','Dassa','Elowen','Fenwick','Galen','Hollis','Ingram','Juniper','Kestrel','Larkin'])[1 + floor(12 * pg_temp.u(p.key, 1320))::int] AS ugiven,
             'Synthetic' || lpad((20001 + floor(8000 * pg_temp.u(p.key, 1321)))::int::text, 5, '0') AS ufamily,
             date '2008-09-01' + floor(6500 * pg_temp.u(p.key, 1322))::int AS udob
      FROM pu p
      JOIN cal c ON c.d = p.local_at::date
      JOIN orgslot o ON o.purpose = 'update' AND o.slot = floor(pg_temp.u(p.skey, 1300) * 1000)::int
      JOIN hubw h ON h.i = floor(pg_temp.u(p.key, 1323) * 13)::int
      OFFSET 0
    ) q
    LEFT JOIN children ch ON ch.id = q.child_id
    OFFSET 0
  ) r
  OFFSET 0
) y
ORDER BY y.received_at, y.key;

-- Reference numbers continue after these: the request and update sequences, the EHA counters.
SELECT setval('reference_rfs_seq', greatest((SELECT last_value FROM reference_rfs_seq), (SELECT count(*) FROM rq))) \g /dev/null
SELECT setval('reference_pu_seq', greatest((SELECT last_value FROM reference_pu_seq), (SELECT count(*) FROM pu))) \g /dev/null
INSERT INTO reference_counters (series, year, last)
SELECT 'EHA', ref_year, count(*) FROM ea GROUP BY ref_year
ON CONFLICT (series, year) DO UPDATE SET last = greatest(reference_counters.last, EXCLUDED.last);

-- As bench/seed-casegraph.sql does: visibility map, hint bits and statistics set now, not by
-- autovacuum during the measurements.
VACUUM ANALYZE organisations;
VACUUM ANALYZE teams;
VACUUM ANALYZE staff;
VACUUM ANALYZE children;
VACUUM ANALYZE cases;
VACUUM ANALYZE case_events;
VACUUM ANALYZE case_requests;
VACUUM ANALYZE requests_for_support;
VACUUM ANALYZE request_children;
VACUUM ANALYZE request_household_members;
VACUUM ANALYZE hub_decisions;
VACUUM ANALYZE early_help_referrals;
VACUUM ANALYZE early_help_assessments;
VACUUM ANALYZE early_help_children;
VACUUM ANALYZE early_help_household_members;
VACUUM ANALYZE early_help_meetings;
VACUUM ANALYZE early_help_taf_members;
VACUUM ANALYZE early_help_plan_actions;
VACUUM ANALYZE advice_consultations;
VACUUM ANALYZE partner_updates;
VACUUM ANALYZE reference_counters;
