//! Development tokens for the demo people: the `casegraph token` command, and in the dev profile
//! only, `GET /dev/people` and `POST /dev/token` for the partner portal's "choose a demo person"
//! sign-in (which reaches casegraph only over HTTP). The prod profile has neither the command nor
//! the routes; the dev profile refuses to start with a production issuer's keys only (see
//! `KeySet::sign_dev`: no development key, no token).
use crate::auth::jwt::{Claims, KeySet};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use entity::{organisation, staff};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use serde_json::json;

/// Signs a token for `person`, valid for `ttl_secs`: `(token, expires at, unix seconds)`.
pub fn mint(keys: &KeySet, person: &staff::Model, ttl_secs: u64) -> Option<(String, u64)> {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = Claims {
        sub: person.id.to_string(),
        iss: keys.issuer().to_string(),
        aud: keys.audience().to_string(),
        exp: now + ttl_secs,
        nbf: Some(now),
        iat: Some(now),
        roles: person.roles.split(',').map(str::to_string).collect(),
        org: Some(person.organisation_id.to_string()),
        team: person.team_id.map(|t| t.to_string()),
        scope: (!person.scopes.is_empty()).then(|| person.scopes.clone()),
    };
    Some((keys.sign_dev(&claims)?, now + ttl_secs))
}

pub async fn by_handle(db: &DatabaseConnection, handle: &str) -> Result<Option<staff::Model>, sea_orm::DbErr> {
    staff::Entity::find().filter(staff::Column::Handle.eq(handle)).filter(staff::Column::Active.eq(true)).one(db).await
}

/// `GET /dev/people`: the demo people (handle, name, organisation, roles), for a sign-in page.
pub async fn people(State(s): State<AppState>) -> Response {
    let rows = staff::Entity::find()
        .filter(staff::Column::Active.eq(true))
        .order_by_asc(staff::Column::Handle)
        .all(&s.db)
        .await;
    let orgs = organisation::Entity::find().all(&s.db).await;
    match (rows, orgs) {
        (Ok(rows), Ok(orgs)) => Json(
            rows.into_iter()
                .map(|p| {
                    let org =
                        orgs.iter().find(|o| o.id == p.organisation_id).map(|o| o.name.clone()).unwrap_or_default();
                    json!({ "handle": p.handle, "name": p.display_name, "organisation": org,
                            "roles": p.roles.split(',').filter(|r| !r.is_empty()).collect::<Vec<_>>() })
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        _ => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ask {
    handle: String,
    /// Seconds until the token expires: 1 to `JWT_MAX_LIFETIME_SECS` (default 3600 or that).
    ttl_seconds: Option<u64>,
}

/// `POST /dev/token {"handle": "partner.school"}` → `{"token": ..., "expiresAt": <unix seconds>}`.
pub async fn token(State(s): State<AppState>, Json(ask): Json<Ask>) -> Response {
    let max = s.keys.max_lifetime();
    let ttl = ask.ttl_seconds.unwrap_or(3600).min(max);
    if ttl == 0 {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": "ttlSeconds must be at least 1" }))).into_response();
    }
    let person = match by_handle(&s.db, &ask.handle).await {
        Ok(Some(p)) => p,
        Ok(None) => return (StatusCode::NOT_FOUND, Json(json!({ "error": "no such demo person" }))).into_response(),
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    match mint(&s.keys, &person, ttl) {
        Some((token, exp)) => Json(json!({ "token": token, "expiresAt": exp })).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({ "error": "no development key" }))).into_response(),
    }
}
