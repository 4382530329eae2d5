//! Shape limits checked right after parsing, before validation or any resolver: how many
//! aliases and how many field selections one document may hold (LIM-02, LIM-08), counted as
//! they run: a fragment spread three times counts three times. Depth and complexity are
//! async-graphql's own limits, set in `build_schema`.
//!
//! The HTTP handler calls [`check`] on the parsed document itself: any schema extension, even
//! one that only hooks parsing, sends every field of every response through async-graphql's
//! boxed extension chain (a quarter of the server's CPU on a caseload page). The WebSocket
//! schema, whose documents the handler never sees, keeps the check as an extension. One rule
//! ([`check`]), two call sites on purpose: async-graphql offers no other hook on the WebSocket
//! path, and the extension chain's cost on HTTP was measured (above). The WebSocket extension
//! also refuses anything but subscriptions: queries and mutations go over HTTP, with its
//! deadline, in-flight cap, one-operation rule and audit operation names.
use async_graphql::{
    ServerError, ServerResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery},
    parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet},
};
use std::{collections::HashMap, sync::Arc};

pub const MAX_ALIASES: usize = 50;
pub const MAX_FIELDS: usize = 500;
pub const TOO_MANY_ALIASES: &str = "Query has too many aliases.";
pub const TOO_MANY_FIELDS: &str = "Query selects too many fields.";
pub const SUBSCRIPTIONS_ONLY: &str =
    "Only subscriptions run over WebSocket: send queries and mutations with POST /graphql.";

pub struct ShapeLimits;

impl ExtensionFactory for ShapeLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ShapeLimitsExtension)
    }
}

struct ShapeLimitsExtension;

#[derive(Default, Clone, Copy)]
struct Count {
    fields: usize,
    aliases: usize,
}

impl Count {
    fn add(&mut self, other: Count) {
        self.fields = self.fields.saturating_add(other.fields);
        self.aliases = self.aliases.saturating_add(other.aliases);
    }
}

/// Counts a selection set with each fragment spread expanded where it is used. A fragment's own
/// count is worked out once (so nested spreads cost no more than the document is long); a
/// fragment that spreads itself, directly or not, counts as empty here and is refused by
/// validation later.
fn walk<'a>(set: &'a SelectionSet, doc: &'a ExecutableDocument, memo: &mut HashMap<&'a str, Option<Count>>) -> Count {
    let mut n = Count::default();
    for sel in &set.items {
        match &sel.node {
            Selection::Field(f) => {
                n.fields += 1;
                if f.node.alias.is_some() {
                    n.aliases += 1;
                }
                n.add(walk(&f.node.selection_set.node, doc, memo));
            }
            Selection::InlineFragment(f) => n.add(walk(&f.node.selection_set.node, doc, memo)),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                let count = match memo.get(name) {
                    Some(Some(c)) => *c,
                    // A fragment that spreads itself: refused below (validation would refuse it
                    // too, but only after the cost is counted, which would never end).
                    Some(None) => Count { fields: usize::MAX, aliases: 0 },
                    None => match doc.fragments.get(&spread.node.fragment_name.node) {
                        Some(frag) => {
                            memo.insert(name, None);
                            let c = walk(&frag.node.selection_set.node, doc, memo);
                            memo.insert(name, Some(c));
                            c
                        }
                        None => Count::default(),
                    },
                };
                n.add(count);
            }
        }
    }
    n
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
        if doc.operations.iter().any(|(_, op)| op.node.ty != OperationType::Subscription) {
            let mut e = ServerError::new(SUBSCRIPTIONS_ONLY, None);
            e.extensions.get_or_insert_with(Default::default).set("code", "BAD_REQUEST");
            return Err(e);
        }
        Ok(doc)
    }
}

/// Refuses a document with too many aliases or field selections.
pub fn check(doc: &ExecutableDocument) -> ServerResult<()> {
    // What runs: the operations with their fragments expanded (a document may hold several
    // operations, of which one runs; counting all of them is the safe side).
    let mut memo = HashMap::new();
    let mut n = Count::default();
    for (_, op) in doc.operations.iter() {
        n.add(walk(&op.node.selection_set.node, doc, &mut memo));
    }
    if n.aliases > MAX_ALIASES {
        return Err(ServerError::new(TOO_MANY_ALIASES, None));
    }
    if n.fields > MAX_FIELDS {
        return Err(ServerError::new(TOO_MANY_FIELDS, None));
    }
    Ok(())
}

/// Parsed and checked documents by their text. Clients send the same few operations again and
/// again; parsing one (pest) cost a tenth of the server's time on a child lookup, a copy of the
/// parsed tree much less. Only documents that parsed and passed [`check`] are kept, at most
/// [`MAX_CACHED`] of them and each at most [`MAX_CACHED_LEN`] bytes long: once full, further
/// documents are parsed every time (slower, never wrong).
#[derive(Default)]
pub struct DocumentCache {
    docs: std::sync::RwLock<std::collections::HashMap<String, ExecutableDocument>>,
}

pub const MAX_CACHED: usize = 512;
pub const MAX_CACHED_LEN: usize = 16 * 1024;

impl DocumentCache {
    /// Gives the request its parsed document, checked against the shape limits.
    pub fn prepare(&self, req: &mut async_graphql::Request) -> ServerResult<()> {
        if let Some(doc) = self.docs.read().ok().and_then(|m| m.get(&req.query).cloned()) {
            req.set_parsed_query(doc);
            return Ok(());
        }
        let text = (req.query.len() <= MAX_CACHED_LEN).then(|| req.query.clone());
        let doc = req.parsed_query()?;
        check(doc)?;
        if let (Some(text), Ok(mut m)) = (text, self.docs.write())
            && m.len() < MAX_CACHED
        {
            m.insert(text, doc.clone());
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.docs.read().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_parsed_once_and_refused_ones_are_not_kept() {
        let cache = DocumentCache::default();
        let q = "query ChildCard($id: ID!) { child(id: $id) { givenName } }";
        for _ in 0..3 {
            let mut req = async_graphql::Request::new(q);
            cache.prepare(&mut req).unwrap();
            assert!(req.parsed_query().unwrap().operations.iter().count() == 1);
        }
        assert_eq!(cache.len(), 1);
        let aliases: String = (0..=MAX_ALIASES).map(|i| format!("a{i}: viewer {{ id }} ")).collect();
        for _ in 0..2 {
            let err = cache.prepare(&mut async_graphql::Request::new(format!("{{ {aliases} }}"))).unwrap_err();
            assert_eq!(err.message, TOO_MANY_ALIASES);
        }
        assert!(cache.prepare(&mut async_graphql::Request::new("{ child(")).is_err());
        assert_eq!(cache.len(), 1, "refused and unparseable documents are not kept");
        // A fragment of 48 aliases spread three times is 144 aliases.
        let fields: String = (0..48).map(|i| format!("a{i}: id ")).collect();
        let spread = format!("{{ viewer {{ ...F ...F ...F }} }} fragment F on Viewer {{ {fields} }}");
        assert_eq!(cache.prepare(&mut async_graphql::Request::new(spread)).unwrap_err().message, TOO_MANY_ALIASES);
        // Nested spreads are counted by multiplying, not by walking each copy.
        let nested = "{ viewer { ...A ...A } } fragment A on Viewer { ...B ...B } fragment B on Viewer { ...C ...C } \
                      fragment C on Viewer { ...D ...D } fragment D on Viewer { x: id y: id z: id w: id }";
        assert_eq!(cache.prepare(&mut async_graphql::Request::new(nested)).unwrap_err().message, TOO_MANY_ALIASES);
        let cyclic = "{ viewer { id ...A } } fragment A on Viewer { ...A ...A ...A ...A }";
        assert_eq!(cache.prepare(&mut async_graphql::Request::new(cyclic)).unwrap_err().message, TOO_MANY_FIELDS);
    }
}
