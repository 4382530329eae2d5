//! A request's cost as async-graphql's validation counts it, reported to the client in
//! `extensions.cost` with the limits: `complexity` (each field 1 plus what it selects; a page of
//! `first: n` counts its selection n times, [`super::page_cost`]) and `depth` (fields nested).
//!
//! Counted here from the parsed document rather than read from async-graphql: its only way to
//! hand the figures out is a schema extension, and any extension sends every field of every
//! response through its extension chain (a quarter of the server's CPU on a caseload page, see
//! `limits.rs`). A test checks these figures against async-graphql's own `Analyzer`.
use async_graphql::{
    Variables,
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cost {
    pub complexity: usize,
    pub depth: usize,
}

/// Fragments nested deeper than this are not followed (a cycle is refused by validation).
const MAX_FRAGMENT_NESTING: usize = 32;

pub fn of(doc: &ExecutableDocument, variables: &Variables) -> Cost {
    let mut total = Cost { complexity: 0, depth: 0 };
    for (_, op) in doc.operations.iter() {
        // Variables the request left out take their declared defaults, as in validation.
        let defaults = op.node.variable_definitions.iter().filter(|d| !variables.contains_key(&d.node.name.node));
        let mut vars = variables.clone();
        for d in defaults {
            if let Some(v) = &d.node.default_value {
                vars.insert(d.node.name.node.clone(), v.node.clone());
            }
        }
        let c = walk(&op.node.selection_set.node, doc, &vars, 0, 0);
        total.complexity = total.complexity.saturating_add(c.complexity);
        total.depth = total.depth.max(c.depth);
    }
    total
}

fn walk(set: &SelectionSet, doc: &ExecutableDocument, vars: &Variables, depth: usize, nesting: usize) -> Cost {
    let mut out = Cost { complexity: 0, depth };
    if nesting > MAX_FRAGMENT_NESTING {
        return out;
    }
    for sel in &set.items {
        let inner = match &sel.node {
            // async-graphql's validation counts neither complexity nor depth for `__typename`.
            Selection::Field(f) if f.node.name.node == "__typename" => Cost { complexity: 0, depth },
            Selection::Field(f) => {
                let child = walk(&f.node.selection_set.node, doc, vars, depth + 1, nesting);
                let first = f
                    .node
                    .get_argument("first")
                    .and_then(|v| v.node.clone().into_const_with(|name| vars.get(&name).cloned().ok_or(())).ok());
                let complexity = match first {
                    Some(async_graphql::Value::Number(n)) => super::page_cost(
                        n.as_i64().unwrap_or(1).clamp(i32::MIN as i64, i32::MAX as i64) as i32,
                        child.complexity,
                    ),
                    _ => 1usize.saturating_add(child.complexity),
                };
                Cost { complexity, depth: child.depth.max(depth + 1) }
            }
            Selection::InlineFragment(f) => walk(&f.node.selection_set.node, doc, vars, depth, nesting + 1),
            Selection::FragmentSpread(sp) => match doc.fragments.get(&sp.node.fragment_name.node) {
                Some(frag) => walk(&frag.node.selection_set.node, doc, vars, depth, nesting + 1),
                None => Cost { complexity: 0, depth },
            },
        };
        out.complexity = out.complexity.saturating_add(inner.complexity);
        out.depth = out.depth.max(inner.depth);
    }
    out
}
