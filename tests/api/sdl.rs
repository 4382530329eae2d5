//! `schema.graphql` is the contract: generated from the code, and this test fails when stale.
#[test]
fn schema_graphql_is_current() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql at the root");
    let generated = casegraph::graphql::sdl();
    assert!(
        committed == generated,
        "schema.graphql is stale: run `cargo run -- schema > schema.graphql` and review the diff"
    );
}
