#!/usr/bin/env python3
"""Writes casegraph's request files for the benchmark: one line per request, "TOKEN<TAB>BODY",
each with a real signed token (HS256, the bench server's secret), so the full auth + policy +
audit path runs. Reads the seeded rows with psql.

    bodies.py DATABASE_URL SECRET OUTDIR
"""
import base64, hashlib, hmac, json, subprocess, sys, time

url, secret, out = sys.argv[1], sys.argv[2].encode(), sys.argv[3]

def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def token(claims):
    header = {"alg": "HS256", "typ": "JWT", "kid": "dev"}
    now = int(time.time())
    claims = {"iss": "casegraph-dev", "aud": "casegraph", "iat": now, "nbf": now - 5, "exp": now + 3500, **claims}
    h, p = b64(json.dumps(header).encode()), b64(json.dumps(claims).encode())
    sig = hmac.new(secret, f"{h}.{p}".encode(), hashlib.sha256).digest()
    return f"{h}.{p}.{b64(sig)}"

def rows(sql):
    res = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\t", url, "-c", sql], check=True, capture_output=True, text=True)
    return [line.split("\t") for line in res.stdout.splitlines() if line]

CASELOAD = ("query Caseload { caseload(first: 20) { edges { node { id kind status openedAt "
            "child { id givenName familyName dateOfBirth partnerUpdates(first: 5) { nodes { id kind details receivedAt reviewedAt "
            "senderOrganisation { name agencyType } } } } } } } }")
LOOKUP = ("query ChildLookup($familyName: String!, $givenName: String!, $dateOfBirth: Date!) { children(search: "
          "{familyName: $familyName, givenName: $givenName, dateOfBirth: $dateOfBirth}, first: 10) { edges { node { id givenName "
          "familyName dateOfBirth sex nhsNumber } } } }")
ADD = ("mutation AddUpdate($i: SubmitPartnerUpdateInput!) { submitPartnerUpdate(input: $i) { partnerUpdate { id reference receivedAt } "
       "userErrors { code } } }")

def line(tok, query, variables=None):
    return tok + "\t" + json.dumps({"query": query, "variables": variables or {}}) + "\n"

org = rows("SELECT id FROM organisations WHERE agency_type = 'LA_CHILDRENS_SOCIAL_CARE'")[0][0]
with open(f"{out}/caseload.tsv", "w") as f:
    for sid, team in rows("SELECT id, team_id FROM staff WHERE roles = 'SOCIAL_WORKER' ORDER BY handle"):
        f.write(line(token({"sub": sid, "roles": ["SOCIAL_WORKER"], "org": org, "team": team}), CASELOAD))
hub, hub_team = rows("SELECT id, team_id FROM staff WHERE handle = 'hub.worker'")[0]
hub_tok = token({"sub": hub, "roles": ["HUB_WORKER"], "org": org, "team": hub_team})
with open(f"{out}/child-lookup.tsv", "w") as f:
    for given, family, dob in rows("SELECT given_name, family_name, date_of_birth FROM children ORDER BY id LIMIT 20"):
        f.write(line(hub_tok, LOOKUP, {"familyName": family, "givenName": given, "dateOfBirth": dob}))
partners = rows("SELECT id, organisation_id FROM staff WHERE roles = 'PARTNER_PRACTITIONER' ORDER BY handle LIMIT 50")
kids = rows("SELECT c.given_name, c.family_name, c.date_of_birth FROM cases k JOIN children c ON c.id = k.child_id "
            "WHERE k.status = 'OPEN' ORDER BY k.id LIMIT 200")
with open(f"{out}/add-update.tsv", "w") as f:
    for i, (given, family, dob) in enumerate(kids):
        sid, sorg = partners[i % len(partners)]
        tok = token({"sub": sid, "roles": ["PARTNER_PRACTITIONER"], "org": sorg})
        f.write(line(tok, ADD, {"i": {"childGivenName": given, "childFamilyName": family, "childDateOfBirth": dob,
                                      "kind": "CHANGE_IN_SERVICES", "occurredAt": "2026-11-20T09:00:00Z",
                                      "details": "Not currently in school this week; attendance officer informed.",
                                      "concern": i % 10 == 0, "needsImmediateSafeguardingResponse": False}}))
print(f"bodies written to {out}")
