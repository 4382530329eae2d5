//! Shape limits checked right after parsing, before validation or any resolver: how many
//! aliases and how many field selections one document may hold (LIM-02, LIM-08). Depth and
//! complexity are async-graphql's own limits, set in `build_schema`.
//!
//! The HTTP handler calls [`check`] on the parsed document itself: any schema extension, even
//! one that only hooks parsing, sends every field of every response through async-graphql's
//! boxed extension chain (a quarter of the server's CPU on a caseload page). The WebSocket
//! schema, whose documents the handler never sees, keeps the check as an extension.
use async_graphql::{
    ServerError, ServerResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery},
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};
use std::sync::Arc;

pub const MAX_ALIASES: usize = 50;
pub const MAX_FIELDS: usize = 500;
pub const TOO_MANY_ALIASES: &str = "Query has too many aliases.";
pub const TOO_MANY_FIELDS: &str = "Query selects too many fields.";

pub struct ShapeLimits;

impl ExtensionFactory for ShapeLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ShapeLimitsExtension)
    }
}

struct ShapeLimitsExtension;

#[derive(Default)]
struct Count {
    fields: usize,
    aliases: usize,
}

fn walk(set: &SelectionSet, n: &mut Count) {
    for sel in &set.items {
        match &sel.node {
            Selection::Field(f) => {
                n.fields += 1;
                if f.node.alias.is_some() {
                    n.aliases += 1;
                }
                walk(&f.node.selection_set.node, n);
            }
            Selection::InlineFragment(f) => walk(&f.node.selection_set.node, n),
            Selection::FragmentSpread(_) => {}
        }
    }
}

#[async_trait::async_trait]
impl Extension for ShapeLimitsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        check(&doc)?;
        Ok(doc)
    }
}

/// Refuses a document with too many aliases or field selections.
pub fn check(doc: &ExecutableDocument) -> ServerResult<()> {
    let mut n = Count::default();
    for (_, op) in doc.operations.iter() {
        walk(&op.node.selection_set.node, &mut n);
    }
    for frag in doc.fragments.values() {
        walk(&frag.node.selection_set.node, &mut n);
    }
    if n.aliases > MAX_ALIASES {
        return Err(ServerError::new(TOO_MANY_ALIASES, None));
    }
    if n.fields > MAX_FIELDS {
        return Err(ServerError::new(TOO_MANY_FIELDS, None));
    }
    Ok(())
}
