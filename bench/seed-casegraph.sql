-- The anchor's volume in casegraph's own schema (run after `casegraph migrate` on an empty
-- database): 250 partner organisations, 400 social workers in 40 teams, 20,000 children,
-- 30,000 cases (about 8,000 open, at most one open per child as casegraph requires) and
-- 300,000 partner updates. Synthetic and deterministic (setseed), like the anchor's.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SELECT setseed(0.4242) \g /dev/null

INSERT INTO organisations (id, name, agency_type, synthetic, created_at)
SELECT md5('org-0')::uuid, 'Example Children''s Social Care', 'LA_CHILDRENS_SOCIAL_CARE', true, now()
UNION ALL
SELECT md5('org-' || g)::uuid,
       (ARRAY['Northfield','Riverside','Hillcrest','Oakwood','Meadowbank','Kingsgate','Ashford','Westbrook','Elmstead','Harbourside'])[1 + (g % 10)]
         || ' ' || (ARRAY['Primary School','Medical Practice','Police Station','Housing Association','Family Support Trust','Children''s Centre'])[1 + ((g / 10) % 6)] || ' ' || g,
       (ARRAY['SCHOOL','GP','POLICE','HOUSING','VOLUNTARY_SECTOR','CHILDRENS_CENTRE'])[1 + ((g / 10) % 6)],
       true, now()
FROM generate_series(1, 250) g;

INSERT INTO teams (id, organisation_id, name, synthetic, created_at)
SELECT md5('team-' || t)::uuid, md5('org-0')::uuid, 'Assessment Team ' || t, true, now() FROM generate_series(0, 40) t;

-- worker-001..400 (social workers, ten per team), the hub worker, one practitioner per partner organisation
INSERT INTO staff (id, handle, display_name, organisation_id, team_id, roles, scopes, active, synthetic, created_at)
SELECT md5('worker-' || w)::uuid, 'worker-' || lpad(w::text, 3, '0'), 'Social Worker ' || w, md5('org-0')::uuid,
       md5('team-' || ((w - 1) / 10))::uuid, 'SOCIAL_WORKER', '', true, true, now()
FROM generate_series(1, 400) w
UNION ALL
SELECT md5('hub-1')::uuid, 'hub.worker', 'Hub Worker', md5('org-0')::uuid, md5('team-40')::uuid, 'HUB_WORKER', '', true, true, now()
UNION ALL
SELECT md5('partner-' || g)::uuid, 'partner-' || g, 'Practitioner ' || g, md5('org-' || g)::uuid, NULL, 'PARTNER_PRACTITIONER', '', true, true, now()
FROM generate_series(1, 250) g;

INSERT INTO children (id, given_name, family_name, given_key, family_key, date_of_birth, expected_delivery_date, sex, ethnicity,
                      address_line, town, postcode, nhs_number, upn, restricted, synthetic, version, created_at, updated_at)
SELECT id, given, family, lower(given), lower(family), dob, NULL, sex, eth, g || ' Example Street', 'Testtown', 'ZZ9 9ZZ',
       lpad((9000000000 + g)::text, 10, '0'), NULL, false, true, 1, now(), now()
FROM (
  SELECT g, md5('child-' || g)::uuid AS id,
         (ARRAY['Amelia','Oliver','Isla','George','Ava','Noah','Mia','Arthur','Ivy','Muhammad','Freya','Leo','Lily','Harry','Florence','Oscar',
                'Willow','Archie','Rosie','Jack','Sophia','Henry','Isabella','Charlie','Grace','Freddie','Evie','Alfie','Ella','Theo','Poppy',
                'Thomas','Aisha','Jacob','Zara','Ethan','Maya','Lucas','Hannah','Samuel','Chloe','Joshua','Layla','Adam','Ruby','Yusuf','Emily',
                'Reuben','Daisy','Kai','Phoebe','Ibrahim','Matilda','Finley','Sienna','Ezra','Nancy','Jude','Esme','Zain'])[1 + floor(random() * 60)::int] AS given,
         (ARRAY['Smith','Jones','Taylor','Brown','Williams','Wilson','Johnson','Davies','Patel','Robinson','Wright','Thompson','Evans','Walker',
                'White','Roberts','Green','Hall','Thomas','Clarke','Jackson','Wood','Harris','Edwards','Turner','Martin','Cooper','Hill','Ward',
                'Hughes','Moore','Clark','King','Harrison','Lewis','Baker','Lee','Allen','Morris','Khan','Scott','Watson','Davis','Parker','James',
                'Bennett','Young','Phillips','Richardson','Mitchell','Bailey','Carter','Cook','Singh','Shaw','Bell','Collins','Morgan','Kelly',
                'Begum','Miller','Cox','Hussain','Marshall','Simpson','Price','Anderson','Adams','Wilkinson','Ali','Ahmed','Foster','Ellis',
                'Murphy','Chapman','Mason','Gray','Richards','Webb','Griffiths'])[1 + floor(random() * 80)::int] AS family,
         date '2008-01-01' + floor(random() * 6570)::int AS dob,
         (ARRAY['F','M','U'])[1 + floor(random() * 3)::int] AS sex,
         (ARRAY['WBRI','WOTH','MOTH','AOTH','BOTH','OOTH','NOBT'])[1 + floor(random() * 7)::int] AS eth
  FROM generate_series(1, 20000) g
) s;

-- cases 1..20000 belong to child g (about 40% open); 20001..30000 are closed earlier cases
INSERT INTO cases (id, child_id, kind, status, team_id, allocated_worker_id, opened_at, closed_at, closure_reason, synthetic,
                   origin_request_id, version, created_at, updated_at)
SELECT md5('case-' || g)::uuid, child_id, kind, status, md5('team-' || ((w - 1) / 10))::uuid, md5('worker-' || w)::uuid, opened_at,
       CASE WHEN status = 'CLOSED' THEN opened_at + interval '200 days' END, CASE WHEN status = 'CLOSED' THEN 'RC8' END,
       true, NULL, 1, opened_at, opened_at
FROM (
  SELECT g,
         md5('child-' || CASE WHEN g <= 20000 THEN g ELSE 1 + floor(random() * 20000)::int END)::uuid AS child_id,
         (ARRAY['ASSESSMENT','CHILD_IN_NEED','CHILD_PROTECTION','LOOKED_AFTER'])[1 + floor(random() * 4)::int] AS kind,
         CASE WHEN g <= 20000 AND random() < 0.4 THEN 'OPEN' ELSE 'CLOSED' END AS status,
         1 + floor(random() * 400)::int AS w,
         timestamptz '2020-01-01 00:00+00' + random() * interval '6 years' AS opened_at
  FROM generate_series(1, 30000) g
) s;

INSERT INTO partner_updates (id, reference, sender_id, sender_org_id, child_given_name, child_family_name, given_key, family_key,
                             child_date_of_birth, nhs_number, upn, kind, contact_mode, unsuccessful_reason, occurred_at, details,
                             concern, received_at, due_at, child_id, case_id, matched_at, matched_by, reviewed_at, reviewed_by,
                             review_action, review_note, overdue_alerted, idempotency_key, payload_hash, version, created_at, updated_at)
SELECT md5('update-' || u.g)::uuid, 'PUB-' || u.g, md5('partner-' || u.org)::uuid, md5('org-' || u.org)::uuid,
       c.given_name, c.family_name, c.given_key, c.family_key, c.date_of_birth, NULL, NULL, u.kind, NULL, NULL,
       u.received_at - interval '1 day', u.details, u.g % 17 = 0, u.received_at, u.received_at + interval '1 day',
       k.child_id, k.id, u.received_at, NULL, u.reviewed_at, CASE WHEN u.reviewed_at IS NOT NULL THEN k.allocated_worker_id END,
       CASE WHEN u.reviewed_at IS NOT NULL THEN 'NONE' END, NULL, true, NULL, '', 1, u.received_at, u.received_at
FROM (
  SELECT g, 1 + floor(random() * 30000)::int AS case_no, 1 + floor(random() * 250)::int AS org,
         (ARRAY['CONTACT_WITH_CHILD','UNSUCCESSFUL_CONTACT','CHANGE_IN_SERVICES','CHANGE_IN_CIRCUMSTANCES','OTHER'])[1 + floor(random() * 5)::int] AS kind,
         array_to_string(ARRAY(
           SELECT (ARRAY[
             'Attendance has dropped below ninety percent this half term.',
             'The child was seen at school today and appeared tired and withdrawn.',
             'Parent did not attend the scheduled appointment; a follow-up letter has been sent.',
             'Police attended the family address following a report of a disturbance overnight.',
             'Health visitor reports that the home conditions have improved since the last visit.',
             'The child disclosed worries about an older sibling to a trusted member of staff.',
             'Housing officer confirms the family has been placed on the priority list for rehousing.',
             'GP notes missed immunisations and has offered a catch-up appointment next week.',
             'Designated safeguarding lead has logged the concern and will attend the core group.',
             'No further concerns noted by the partner agency during this period.',
             'Referral made to the local young carers service with the family''s consent.',
             'Mother reports difficulty managing rent arrears and has been signposted to advice services.'
           ])[1 + floor(random() * 12)::int]
           FROM generate_series(1, 2 + (g % 5))
         ), ' ') AS details,
         timestamptz '2023-01-01 00:00+00' + random() * interval '3 years' AS received_at,
         CASE WHEN random() < 0.7 THEN timestamptz '2026-01-01 00:00+00' END AS reviewed_at
  FROM generate_series(1, 300000) g
) u
JOIN cases k ON k.id = md5('case-' || u.case_no)::uuid
JOIN children c ON c.id = k.child_id;

-- As the anchor's seed does: visibility map and hint bits set now, not by autovacuum during the run.
VACUUM ANALYZE organisations;
VACUUM ANALYZE teams;
VACUUM ANALYZE staff;
VACUUM ANALYZE children;
VACUUM ANALYZE cases;
VACUUM ANALYZE partner_updates;
