//! Null propagation as the GraphQL spec has it (§6.4.4 "Handling Field Errors"). async-graphql
//! 7.2.1 leaves an erroring field's key out of its parent object, whatever the field's type: a
//! nullable field should be `null` there, and a non-null one should make its nearest nullable
//! ancestor `null` (up to `data: null`). Typed clients otherwise receive objects that lack
//! non-null fields.
//!
//! After execution, for each error with a path, the path is walked through the document (aliases
//! to field names, fragments included) and the schema's field types (read once from the SDL) to
//! find where the `null` belongs, and it is written there. Only responses with field errors pay
//! for this.
use async_graphql::{
    Name, ServerError, Value,
    parser::types::{BaseType, ExecutableDocument, Field, OperationType, Selection, SelectionSet, Type, TypeKind},
};
use std::collections::HashMap;

/// Field types by (type name, field name), interfaces included; and each interface's and
/// union's members, to look a field up on the type a fragment names.
pub struct Types {
    fields: HashMap<(String, String), Type>,
}

impl Types {
    pub fn from_sdl(sdl: &str) -> Self {
        let mut fields = HashMap::new();
        if let Ok(doc) = async_graphql::parser::parse_schema(sdl) {
            for def in doc.definitions {
                if let async_graphql::parser::types::TypeSystemDefinition::Type(t) = def {
                    let name = t.node.name.node.to_string();
                    let defs = match t.node.kind {
                        TypeKind::Object(o) => o.fields,
                        TypeKind::Interface(i) => i.fields,
                        _ => continue,
                    };
                    for f in defs {
                        fields.insert((name.clone(), f.node.name.node.to_string()), f.node.ty.node);
                    }
                }
            }
        }
        Types { fields }
    }

    fn field(&self, parent: &str, name: &str) -> Option<&Type> {
        self.fields.get(&(parent.to_string(), name.to_string()))
    }
}

fn named(t: &Type) -> &str {
    match &t.base {
        BaseType::Named(n) => n.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

/// Finds the field a response key stands for in `set`, with the type its fragment names (when
/// the key sits inside `... on T`).
fn find<'a>(
    set: &'a SelectionSet,
    key: &str,
    doc: &'a ExecutableDocument,
    on: Option<&'a str>,
    depth: usize,
) -> Option<(&'a Field, Option<&'a str>)> {
    if depth > 16 {
        return None;
    }
    for sel in &set.items {
        match &sel.node {
            Selection::Field(f) => {
                let k = f.node.alias.as_ref().map(|a| a.node.as_str()).unwrap_or(f.node.name.node.as_str());
                if k == key {
                    return Some((&f.node, on));
                }
            }
            Selection::InlineFragment(fr) => {
                let cond = fr.node.type_condition.as_ref().map(|c| c.node.on.node.as_str()).or(on);
                if let Some(hit) = find(&fr.node.selection_set.node, key, doc, cond, depth + 1) {
                    return Some(hit);
                }
            }
            Selection::FragmentSpread(sp) => {
                if let Some(fr) = doc.fragments.get(&sp.node.fragment_name.node) {
                    let cond = Some(fr.node.type_condition.node.on.node.as_str());
                    if let Some(hit) = find(&fr.node.selection_set.node, key, doc, cond, depth + 1) {
                        return Some(hit);
                    }
                }
            }
        }
    }
    None
}

enum Step {
    Key(String),
    Index(usize),
}

/// Writes the `null`s the errors call for into `data`.
pub fn propagate(
    types: &Types,
    doc: &ExecutableDocument,
    operation: Option<&str>,
    data: &mut Value,
    errors: &[ServerError],
) {
    let op = match (&doc.operations, operation) {
        (async_graphql::parser::types::DocumentOperations::Single(op), _) => &op.node,
        (async_graphql::parser::types::DocumentOperations::Multiple(ops), Some(n)) => match ops.get(n) {
            Some(op) => &op.node,
            None => return,
        },
        (async_graphql::parser::types::DocumentOperations::Multiple(ops), None) => match ops.values().next() {
            Some(op) => &op.node,
            None => return,
        },
    };
    let root = match op.ty {
        OperationType::Query => "Query",
        OperationType::Mutation => "Mutation",
        OperationType::Subscription => "Subscription",
    };
    for e in errors {
        if e.path.is_empty() || matches!(data, Value::Null) {
            continue;
        }
        // Along the path: each position and whether it may be null.
        let mut steps: Vec<(Step, bool)> = vec![];
        let mut set = &op.selection_set.node;
        let mut parent = root.to_string();
        let mut list: Option<&Type> = None;
        let mut known = true;
        for seg in &e.path {
            match seg {
                async_graphql::PathSegment::Field(key) => {
                    let Some((field, on)) = find(set, key, doc, None, 0) else {
                        known = false;
                        break;
                    };
                    let owner = on.unwrap_or(parent.as_str());
                    let Some(ty) = types
                        .field(owner, field.name.node.as_str())
                        .or_else(|| types.field(&parent, field.name.node.as_str()))
                    else {
                        known = false;
                        break;
                    };
                    steps.push((Step::Key(key.clone()), ty.nullable));
                    parent = named(ty).to_string();
                    list = match &ty.base {
                        BaseType::List(inner) => Some(inner),
                        BaseType::Named(_) => None,
                    };
                    set = &field.selection_set.node;
                }
                async_graphql::PathSegment::Index(i) => {
                    let Some(item) = list else {
                        known = false;
                        break;
                    };
                    steps.push((Step::Index(*i), item.nullable));
                    list = match &item.base {
                        BaseType::List(inner) => Some(inner),
                        BaseType::Named(_) => None,
                    };
                }
            }
        }
        if !known {
            // A path this walk cannot follow: leave what async-graphql wrote.
            continue;
        }
        // The nearest position, from the erroring field up, that may be null. A position left
        // out above it (async-graphql dropped the whole list or object) errs in its place.
        let mut upto = steps.len();
        loop {
            match steps[..upto].iter().rposition(|(_, nullable)| *nullable) {
                None => {
                    *data = Value::Null;
                    break;
                }
                Some(at) => match set_null(data, &steps[..=at]) {
                    Ok(()) => break,
                    Err(missing) => upto = missing + 1,
                },
            }
        }
    }
}

/// Writes `null` at `path`; `Err(i)` when step `i` on the way is missing.
fn set_null(data: &mut Value, path: &[(Step, bool)]) -> Result<(), usize> {
    let Some(((last, _), parents)) = path.split_last() else { return Ok(()) };
    let mut cur = data;
    for (i, (step, _)) in parents.iter().enumerate() {
        cur = match (step, cur) {
            (Step::Key(k), Value::Object(m)) => match m.get_mut(k.as_str()) {
                Some(v) => v,
                None => return Err(i),
            },
            (Step::Index(i2), Value::List(l)) => match l.get_mut(*i2) {
                Some(v) => v,
                None => return Err(i),
            },
            // Already null further up.
            _ => return Ok(()),
        };
    }
    match (last, cur) {
        (Step::Key(k), Value::Object(m)) => {
            m.insert(Name::new(k), Value::Null);
        }
        (Step::Index(i), Value::List(l)) => {
            if let Some(v) = l.get_mut(*i) {
                *v = Value::Null;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::PathSegment::{Field as F, Index as I};

    const SDL: &str = "type Query { a: A! b: A items: [A!]! maybe: [A] }
                       type A { req: String! opt: String inner: A! list: [A]! }";

    fn run(query: &str, data: serde_json::Value, path: Vec<async_graphql::PathSegment>) -> serde_json::Value {
        let types = Types::from_sdl(SDL);
        let doc = async_graphql::parser::parse_query(query).unwrap();
        let mut data = Value::from_json(data).unwrap();
        let mut e = ServerError::new("boom", None);
        e.path = path;
        propagate(&types, &doc, None, &mut data, &[e]);
        data.into_json().unwrap()
    }

    #[test]
    fn a_nullable_field_becomes_null_in_place() {
        let out = run("{ b { opt } }", serde_json::json!({ "b": {} }), vec![F("b".into()), F("opt".into())]);
        assert_eq!(out, serde_json::json!({ "b": { "opt": null } }));
        let out = run("{ b { x: opt } }", serde_json::json!({ "b": {} }), vec![F("b".into()), F("x".into())]);
        assert_eq!(out, serde_json::json!({ "b": { "x": null } }), "an alias");
    }

    #[test]
    fn a_non_null_field_nulls_its_nearest_nullable_ancestor() {
        let q = "{ b { inner { req } } }";
        let out = run(
            q,
            serde_json::json!({ "b": { "inner": {} } }),
            vec![F("b".into()), F("inner".into()), F("req".into())],
        );
        assert_eq!(out, serde_json::json!({ "b": null }));
    }

    #[test]
    fn a_list_item_is_null_when_items_may_be_and_the_list_otherwise() {
        let q = "{ b { list { req } } }";
        let data = serde_json::json!({ "b": { "list": [{ "req": "x" }, {}] } });
        let out = run(q, data, vec![F("b".into()), F("list".into()), I(1), F("req".into())]);
        assert_eq!(out, serde_json::json!({ "b": { "list": [{ "req": "x" }, null] } }));
        // [A!]! at the root: nothing nullable up to the root.
        let out = run(
            "{ items { req } }",
            serde_json::json!({ "items": [{}] }),
            vec![F("items".into()), I(0), F("req".into())],
        );
        assert_eq!(out, serde_json::json!(null));
    }

    #[test]
    fn a_non_null_root_field_makes_data_null_and_a_nullable_one_is_null() {
        let out = run("{ a { opt } b { opt } }", serde_json::json!({ "b": { "opt": "y" } }), vec![F("a".into())]);
        assert_eq!(out, serde_json::json!(null));
        let out = run("{ a { opt } b { opt } }", serde_json::json!({ "a": { "opt": "y" } }), vec![F("b".into())]);
        assert_eq!(out, serde_json::json!({ "a": { "opt": "y" }, "b": null }));
        let out = run("{ ...Q } fragment Q on Query { b { opt } }", serde_json::json!({}), vec![F("b".into())]);
        assert_eq!(out, serde_json::json!({ "b": null }), "through a fragment");
    }
}
