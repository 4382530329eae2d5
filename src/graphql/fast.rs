//! Resolving an object's fields without a heap-allocated future per field.
//!
//! async-graphql resolves every selected field of an object as its own boxed future, driven by a
//! `FuturesUnordered` (one more allocation and reference count per field). Most fields are plain
//! values, ready at the first poll, and a caseload page selects about a thousand of them: in the
//! profile that machinery, not the resolvers, was the server's largest cost. [`Fast`] resolves a
//! type's fields with the type's own generated resolver (`ContainerType::resolve_field`, so every
//! field's code, arguments and checks are the ones the schema declares), but drives them as one
//! join over an array of same-typed futures: one allocation per object instead of two per field.
//!
//! The result is the same as the stock path: fields in selection order, merged the same way
//! when a response key repeats, a failing field's error added to the response with the field
//! left out. Anything the fast path does not handle — a fragment on another type (an interface),
//! a custom directive — goes the stock way. `@skip`/`@include` are applied before execution and
//! never reach here.
//!
//! Two ways to resolve an object on purpose: the fast path took a caseload page from 8.9 M to
//! 8.3 M instructions (callgrind, `bench/README.md`); it is used only for the types a caseload
//! page returns by the hundred. The schema's extensions hook parsing only (`limits`): the stock path would
//! also run a field-resolve hook, and none is registered.
use async_graphql::{
    ContainerType, ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value,
    indexmap::IndexMap,
    parser::types::{Field, Selection, SelectionSet},
    registry::Registry,
    resolver_utils::resolve_container,
};
use std::borrow::Cow;

/// An object type resolved by the fast path; the schema sees `T` itself.
pub struct Fast<T>(pub T);

impl<T: ContainerType> OutputType for Fast<T> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        self.0.introspection_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, _field: &Positioned<Field>) -> ServerResult<Value> {
        let mut fields = Vec::with_capacity(ctx.item.node.items.len());
        if !collect::<T>(ctx.item, &mut fields, ctx) {
            return resolve_container(ctx, &self.0).await;
        }
        let root = &self.0;
        let results = futures_util::future::join_all(fields.into_iter().map(|f| one(ctx, root, f))).await;
        let mut out = IndexMap::with_capacity(results.len());
        for r in results {
            match r {
                Ok((name, value)) => insert_value(&mut out, name, value),
                Err(e) => ctx.add_error(e),
            }
        }
        Ok(if out.is_empty() { Value::Null } else { Value::Object(out) })
    }
}

/// The fields of a selection set in order, through fragments on this type itself; `false` when
/// something needs the stock path.
fn collect<'a, T: OutputType>(
    set: &'a Positioned<SelectionSet>,
    out: &mut Vec<&'a Positioned<Field>>,
    ctx: &ContextSelectionSet<'a>,
) -> bool {
    for s in &set.node.items {
        let (condition, inner) = match &s.node {
            Selection::Field(f) if f.node.directives.is_empty() => {
                out.push(f);
                continue;
            }
            Selection::Field(_) => return false,
            Selection::InlineFragment(f) if f.node.directives.is_empty() => {
                (f.node.type_condition.as_ref().map(|c| c.node.on.node.as_str()), &f.node.selection_set)
            }
            Selection::FragmentSpread(s) if s.node.directives.is_empty() => {
                match ctx.query_env.fragments.get(&s.node.fragment_name.node) {
                    Some(f) => (Some(f.node.type_condition.node.on.node.as_str()), &f.node.selection_set),
                    None => return false,
                }
            }
            _ => return false,
        };
        if condition.is_some_and(|c| c != T::type_name()) || !collect::<T>(inner, out, ctx) {
            return false;
        }
    }
    true
}

async fn one<'a, T: ContainerType>(
    ctx: &ContextSelectionSet<'a>,
    root: &'a T,
    field: &'a Positioned<Field>,
) -> ServerResult<(Name, Value)> {
    let ctx_field = ctx.with_field(field);
    let name = field.node.response_key().node.clone();
    if field.node.name.node == "__typename" {
        return Ok((name, Value::String(root.introspection_type_name().into_owned())));
    }
    Ok((name, root.resolve_field(&ctx_field).await?.unwrap_or_default()))
}

/// As async-graphql merges a response key selected more than once (objects field by field).
fn insert_value(target: &mut IndexMap<Name, Value>, name: Name, value: Value) {
    use async_graphql::indexmap::map::Entry;
    match (target.entry(name), value) {
        (Entry::Vacant(slot), value) => {
            slot.insert(value);
        }
        (Entry::Occupied(mut prev), Value::Object(obj)) => {
            if let Value::Object(prev) = prev.get_mut() {
                for (k, v) in obj {
                    insert_value(prev, k, v);
                }
            }
        }
        (Entry::Occupied(mut prev), Value::List(list)) => {
            if let Value::List(prev) = prev.get_mut() {
                for (p, v) in prev.iter_mut().zip(list) {
                    if let (Value::Object(p), Value::Object(obj)) = (p, v) {
                        for (k, v) in obj {
                            insert_value(p, k, v);
                        }
                    }
                }
            }
        }
        (Entry::Occupied(_), _) => {}
    }
}
