//! The portal's GraphQL operations, one file each in `portal/operations/`, typed from
//! `schema.graphql` at compile time (`graphql_client`): an operation that no longer fits the
//! schema does not build. Each is sent as a persisted operation (its SHA-256), and
//! [`manifest`] lists them for casegraph's `CASEGRAPH_PERSISTED_OPERATIONS`.
#![allow(clippy::all, non_camel_case_types, dead_code)]
use graphql_client::GraphQLQuery;

// The schema's custom scalars, as the API writes them.
pub type Date = String;
pub type DateTime = String;
pub type ID = String;

#[rustfmt::skip]
macro_rules! operation {
    ($name:ident, $file:literal) => {
        #[derive(GraphQLQuery)]
        #[graphql(schema_path = "../schema.graphql", query_path = $file, response_derives = "Debug, Clone, Serialize",
                  variables_derives = "Debug, Clone, Deserialize", skip_serializing_none)]
        pub struct $name;
    };
}

operation!(Viewer, "operations/Viewer.graphql");
operation!(StartPage, "operations/StartPage.graphql");
operation!(LevelsOfNeed, "operations/LevelsOfNeed.graphql");
operation!(SubmitRequest, "operations/SubmitRequest.graphql");
operation!(MyRequests, "operations/MyRequests.graphql");
operation!(RequestDetail, "operations/RequestDetail.graphql");
operation!(SubmitUpdate, "operations/SubmitUpdate.graphql");
operation!(Notifications, "operations/Notifications.graphql");
operation!(AcknowledgeAlert, "operations/AcknowledgeAlert.graphql");

/// Every operation the portal sends: `(name, text)`.
pub fn all() -> Vec<(&'static str, &'static str)> {
    vec![
        ("Viewer", viewer::QUERY),
        ("StartPage", start_page::QUERY),
        ("LevelsOfNeed", levels_of_need::QUERY),
        ("SubmitRequest", submit_request::QUERY),
        ("MyRequests", my_requests::QUERY),
        ("RequestDetail", request_detail::QUERY),
        ("SubmitUpdate", submit_update::QUERY),
        ("Notifications", notifications::QUERY),
        ("AcknowledgeAlert", acknowledge_alert::QUERY),
    ]
}

/// The SHA-256 of an operation's text, in hex: its persisted-operation ID.
pub fn hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The persisted-operation manifest (`sha256 → text`), as `portal/persisted-operations.json`
/// holds it.
pub fn manifest() -> String {
    let map: std::collections::BTreeMap<String, &str> = all().into_iter().map(|(_, t)| (hash(t), t)).collect();
    serde_json::to_string_pretty(&map).expect("strings serialise") + "\n"
}
