//! The portal's only way to casegraph: its public GraphQL API over HTTP, with the signed-in
//! person's token. Each operation goes first as its persisted hash alone; only when the server
//! does not know it (`PERSISTED_QUERY_NOT_FOUND`) is the text sent.
use graphql_client::GraphQLQuery;
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    /// The GraphQL endpoint, e.g. `http://127.0.0.1:8080/graphql`.
    url: String,
}

/// Why an operation gave no data.
#[derive(Debug)]
pub enum ApiError {
    /// The token was refused (expired, revoked): sign in again.
    SignedOut,
    /// The API refused this person the operation (`FORBIDDEN`) or the thing asked for is not
    /// theirs to see (`NOT_FOUND`).
    Refused(String),
    /// The API could not be reached or failed: the "sorry, there is a problem" page. The
    /// string is for the log (codes and statuses only, never content).
    Outage(String),
}

/// A `userErrors` entry, as every payload carries them.
#[derive(Debug, Clone, Deserialize)]
pub struct UserError {
    pub field: Vec<String>,
    pub code: String,
    pub message: String,
}

impl Api {
    pub fn new(url: impl Into<String>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(3))
            .build()
            .expect("a TLS backend is built in");
        Api { http, url: url.into() }
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Runs `Q` with `vars` as the holder of `token`.
    pub async fn run<Q: GraphQLQuery>(&self, token: &str, vars: Q::Variables) -> Result<Q::ResponseData, ApiError>
    where
        Q::ResponseData: serde::de::DeserializeOwned,
    {
        let body = Q::build_query(vars);
        let hash = crate::ops::hash(body.query);
        let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
        let vars = serde_json::to_value(&body.variables).map_err(|e| ApiError::Outage(shape("variables", &e)))?;
        let short = json!({ "operationName": body.operation_name, "variables": vars, "extensions": persisted });
        let mut answer = self.post(token, &short).await?;
        if has_code(&answer, "PERSISTED_QUERY_NOT_FOUND") {
            let full = json!({ "operationName": body.operation_name, "variables": vars, "extensions": persisted,
                               "query": body.query });
            answer = self.post(token, &full).await?;
        }
        if let Some(code) = first_code(&answer) {
            return Err(match code.as_str() {
                "UNAUTHENTICATED" => ApiError::SignedOut,
                "FORBIDDEN" | "NOT_FOUND" => ApiError::Refused(code),
                _ => ApiError::Outage(format!("{} answered {code}", body.operation_name)),
            });
        }
        let data = answer.get_mut("data").map(Value::take).unwrap_or(Value::Null);
        serde_json::from_value(data).map_err(|e| ApiError::Outage(shape(body.operation_name, &e)))
    }

    async fn post(&self, token: &str, body: &Value) -> Result<Value, ApiError> {
        let res = self
            .http
            .post(&self.url)
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .map_err(|e| ApiError::Outage(format!("unreachable: {}", e.without_url())))?;
        match res.status().as_u16() {
            401 => Err(ApiError::SignedOut),
            200 | 400 => res.json().await.map_err(|e| ApiError::Outage(format!("not JSON: {}", e.without_url()))),
            s => Err(ApiError::Outage(format!("status {s}"))),
        }
    }
}

/// What went wrong with a JSON value, for the log: the kind and place only. serde's own message
/// quotes the value it met, which can be a child's name.
fn shape(what: &str, e: &serde_json::Error) -> String {
    format!("{what}: unexpected JSON ({:?} error at line {} column {})", e.classify(), e.line(), e.column())
}

fn codes(answer: &Value) -> impl Iterator<Item = &str> {
    answer
        .get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.pointer("/extensions/code").and_then(Value::as_str))
}

fn has_code(answer: &Value, code: &str) -> bool {
    codes(answer).any(|c| c == code)
}

fn first_code(answer: &Value) -> Option<String> {
    if answer.get("errors").and_then(Value::as_array).is_some_and(|e| !e.is_empty()) {
        return Some(codes(answer).next().unwrap_or("INTERNAL").to_string());
    }
    None
}
