//! A small XML Schema 1.0 validator for the XSD subset that `docs/extracts/cin-census.xsd` uses, so
//! the tests can check an extract against its schema without a native XML library.
//!
//! The subset: `xs:schema` (no target namespace, unqualified elements); global and local
//! `xs:element` (`name`, `type`, `minOccurs`, `maxOccurs`, or one inline `xs:complexType`);
//! `xs:complexType`, named or inline, holding one `xs:sequence` of `xs:element`s; named
//! `xs:simpleType`s holding one `xs:restriction` whose base is `xs:string`, `xs:date`,
//! `xs:dateTime`, `xs:boolean`, `xs:integer` or `xs:positiveInteger`, with the facets
//! `xs:enumeration` and `xs:minLength`/`xs:maxLength` (on `xs:string` only) and `xs:pattern`. Any
//! other schema construct is an error, so a schema this validator does not understand fails
//! loudly instead of letting every document through.
//!
//! Built-in types are written with the prefix `xs:` or `xsd:`; a type name with no prefix (or any
//! other prefix, which is stripped) names a type declared in the schema.
//!
//! Where it differs from XSD 1.0 it is stricter: years in `xs:date` and `xs:dateTime` have exactly
//! four digits (0001 to 9999); `\d` in a pattern means ASCII 0-9 only (XSD: any Unicode decimal
//! digit); a pattern has no groups, alternation, `.` or category escapes; and a sequence may not
//! declare the same element twice, which makes matching a sequence deterministic.

use roxmltree::{Document, Node};
use std::collections::HashMap;
use std::iter::Peekable;
use std::str::Chars;

const XS_NS: &str = "http://www.w3.org/2001/XMLSchema";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Validates `doc` against `schema` (the XSD subset above). Returns every problem found, each with the element path.
pub fn validate(schema: &str, doc: &str) -> Result<(), Vec<String>> {
    let schema = Schema::parse(schema).map_err(|e| vec![format!("schema: {e}")])?;
    let doc = Document::parse(doc).map_err(|e| vec![format!("document: not well-formed XML: {e}")])?;
    let mut errors = Vec::new();
    schema.validate_root(doc.root_element(), &mut errors);
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

// ---------------------------------------------------------------------------------------------
// The compiled schema

/// A built-in base type. The discriminant is the type's index in `Schema::simple`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Builtin {
    String,
    Date,
    DateTime,
    Boolean,
    Integer,
    PositiveInteger,
}

impl Builtin {
    const ALL: [Self; 6] =
        [Self::String, Self::Date, Self::DateTime, Self::Boolean, Self::Integer, Self::PositiveInteger];

    fn from_local_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.name().strip_prefix("xs:") == Some(name))
    }

    fn name(self) -> &'static str {
        match self {
            Self::String => "xs:string",
            Self::Date => "xs:date",
            Self::DateTime => "xs:dateTime",
            Self::Boolean => "xs:boolean",
            Self::Integer => "xs:integer",
            Self::PositiveInteger => "xs:positiveInteger",
        }
    }

    /// Checks the lexical form of a value (already whitespace-normalised).
    fn check(self, value: &str) -> Result<(), String> {
        match self {
            Self::String => Ok(()),
            Self::Boolean => match value {
                "true" | "false" | "1" | "0" => Ok(()),
                _ => Err("expected true, false, 1 or 0".to_owned()),
            },
            Self::Integer => split_integer(value).map(drop),
            Self::PositiveInteger => {
                let (negative, digits) = split_integer(value)?;
                if negative || digits.bytes().all(|d| d == b'0') {
                    Err("must be greater than zero".to_owned())
                } else {
                    Ok(())
                }
            }
            Self::Date => check_date(value),
            Self::DateTime => check_date_time(value),
        }
    }
}

#[derive(Debug)]
struct SimpleType {
    name: String,
    base: Builtin,
    enumeration: Vec<String>,
    /// A value must match at least one of them (XSD ORs the patterns of one restriction).
    patterns: Vec<Pattern>,
    min_length: Option<usize>,
    max_length: Option<usize>,
}

impl SimpleType {
    fn new(name: &str, base: Builtin) -> Self {
        Self {
            name: name.to_owned(),
            base,
            enumeration: Vec::new(),
            patterns: Vec::new(),
            min_length: None,
            max_length: None,
        }
    }

    /// Checks a value against the base type and the facets.
    fn check(&self, raw: &str) -> Result<(), String> {
        // xs:string preserves whitespace; every other base type collapses it.
        let value = if self.base == Builtin::String { raw } else { raw.trim_matches(is_xml_space) };
        self.base.check(value).map_err(|why| format!("{value:?} is not a valid {} ({why})", self.base.name()))?;
        if !self.enumeration.is_empty() && !self.enumeration.iter().any(|e| e == value) {
            return Err(format!("{value:?} is not one of the values allowed by {}", self.name));
        }
        if !self.patterns.is_empty() && !self.patterns.iter().any(|p| p.is_match(value)) {
            let sources: Vec<&str> = self.patterns.iter().map(|p| p.source.as_str()).collect();
            return Err(format!("{value:?} does not match the pattern {} of {}", sources.join(" | "), self.name));
        }
        let length = value.chars().count();
        if let Some(min) = self.min_length
            && length < min
        {
            return Err(format!("{value:?} is {length} characters long; {} needs at least {min}", self.name));
        }
        if let Some(max) = self.max_length
            && length > max
        {
            return Err(format!("{value:?} is {length} characters long; {} allows at most {max}", self.name));
        }
        Ok(())
    }

    /// Checks the text content of an element of this type.
    fn validate_element(&self, node: Node, path: &str, errors: &mut Vec<String>) {
        let mut text = String::new();
        for child in node.children() {
            if child.is_element() {
                errors.push(format!(
                    "{path}: element <{}> is not allowed; <{}> holds a value of type {}",
                    child.tag_name().name(),
                    node.tag_name().name(),
                    self.name
                ));
                return;
            }
            if child.is_text() {
                text.push_str(child.text().unwrap_or_default());
            }
        }
        if let Err(e) = self.check(&text) {
            errors.push(format!("{path}: {e}"));
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum TypeRef {
    Simple(usize),
    Complex(usize),
}

/// One `xs:element` of a sequence.
#[derive(Debug)]
struct Particle {
    name: String,
    min: u64,
    /// `None` is `maxOccurs="unbounded"`.
    max: Option<u64>,
    ty: TypeRef,
}

#[derive(Debug)]
struct ComplexType {
    particles: Vec<Particle>,
}

#[derive(Debug)]
struct Schema {
    /// Global element declarations: the possible document roots.
    globals: HashMap<String, TypeRef>,
    /// The built-in types first (in `Builtin::ALL` order), then the named simple types.
    simple: Vec<SimpleType>,
    complex: Vec<ComplexType>,
    named: HashMap<String, TypeRef>,
}

// ---------------------------------------------------------------------------------------------
// Reading the schema

impl Schema {
    fn parse(text: &str) -> Result<Self, String> {
        let doc = Document::parse(text).map_err(|e| format!("not well-formed XML: {e}"))?;
        let root = doc.root_element();
        if root.tag_name().namespace() != Some(XS_NS) || root.tag_name().name() != "schema" {
            return Err(format!("the root element must be xs:schema, not <{}>", root.tag_name().name()));
        }
        check_attributes(root, &["elementFormDefault", "attributeFormDefault"])?;
        for form in ["elementFormDefault", "attributeFormDefault"] {
            if root.attribute(form).is_some_and(|v| v != "unqualified") {
                return Err(format!("xs:schema: only {form}=\"unqualified\" is supported"));
            }
        }
        let mut schema = Self {
            globals: HashMap::new(),
            simple: Builtin::ALL.into_iter().map(|b| SimpleType::new(b.name(), b)).collect(),
            complex: Vec::new(),
            named: HashMap::new(),
        };
        let top = schema_children(root)?;

        // First declare every named type, so that references may come before declarations.
        let mut complex_bodies = Vec::new();
        for &node in &top {
            match node.tag_name().name() {
                "simpleType" => {
                    let simple = parse_simple_type(node)?;
                    schema.declare(&simple.name, TypeRef::Simple(schema.simple.len()))?;
                    schema.simple.push(simple);
                }
                "complexType" => {
                    check_attributes(node, &["name"])?;
                    schema.declare(required_name(node)?, TypeRef::Complex(schema.complex.len()))?;
                    complex_bodies.push((node, schema.complex.len()));
                    schema.complex.push(ComplexType { particles: Vec::new() });
                }
                "element" => {}
                other => return Err(format!("xs:{other} is not supported at the top level")),
            }
        }
        for (node, index) in complex_bodies {
            let particles = schema.parse_sequence(node)?;
            schema.complex[index].particles = particles;
        }
        for &node in top.iter().filter(|n| n.tag_name().name() == "element") {
            check_attributes(node, &["name", "type"])?;
            let name = required_name(node)?;
            let ty = schema.element_type(node)?;
            if schema.globals.insert(name.to_owned(), ty).is_some() {
                return Err(format!("global element {name:?} is declared twice"));
            }
        }
        if schema.globals.is_empty() {
            return Err("no global xs:element is declared".to_owned());
        }
        Ok(schema)
    }

    fn declare(&mut self, name: &str, ty: TypeRef) -> Result<(), String> {
        if self.named.insert(name.to_owned(), ty).is_some() {
            return Err(format!("type {name:?} is declared twice"));
        }
        Ok(())
    }

    /// Resolves a `type` attribute: a built-in (`xs:` or `xsd:` prefix) or a named type.
    fn resolve(&self, qname: &str) -> Result<TypeRef, String> {
        match qname.split_once(':') {
            Some(("xs" | "xsd", local)) => Builtin::from_local_name(local)
                .map(|b| TypeRef::Simple(b as usize))
                .ok_or_else(|| format!("built-in type {qname} is not supported by this validator")),
            Some((_, local)) => self.named.get(local).copied().ok_or_else(|| format!("unknown type {qname:?}")),
            None => self.named.get(qname).copied().ok_or_else(|| format!("unknown type {qname:?}")),
        }
    }

    /// The type of an `xs:element`: its `type` attribute or its one inline `xs:complexType`.
    fn element_type(&mut self, element: Node) -> Result<TypeRef, String> {
        let inline = schema_children(element)?;
        match (element.attribute("type"), inline.as_slice()) {
            (Some(qname), []) => self.resolve(qname).map_err(|e| format!("{}: {e}", describe(element))),
            (None, [body]) if body.tag_name().name() == "complexType" => {
                check_attributes(*body, &[])?;
                let particles = self.parse_sequence(*body)?;
                self.complex.push(ComplexType { particles });
                Ok(TypeRef::Complex(self.complex.len() - 1))
            }
            (None, []) => Err(format!("{}: needs a type (xs:anyType is not supported)", describe(element))),
            _ => Err(format!("{}: needs either a type attribute or one inline xs:complexType", describe(element))),
        }
    }

    /// Reads the one `xs:sequence` of an `xs:complexType`.
    fn parse_sequence(&mut self, complex: Node) -> Result<Vec<Particle>, String> {
        let children = schema_children(complex)?;
        let [sequence] = children.as_slice() else {
            return Err(format!("{}: must contain exactly one xs:sequence", describe(complex)));
        };
        if sequence.tag_name().name() != "sequence" {
            return Err(format!("{}: xs:{} is not supported", describe(complex), sequence.tag_name().name()));
        }
        check_attributes(*sequence, &[])?;
        let mut particles: Vec<Particle> = Vec::new();
        for element in schema_children(*sequence)? {
            if element.tag_name().name() != "element" {
                return Err(format!("xs:sequence: xs:{} is not supported", element.tag_name().name()));
            }
            check_attributes(element, &["name", "type", "minOccurs", "maxOccurs"])?;
            let name = required_name(element)?;
            if particles.iter().any(|p| p.name == name) {
                return Err(format!("{}: declared twice in one xs:sequence", describe(element)));
            }
            let min = match element.attribute("minOccurs") {
                None => 1,
                Some(v) => parse_count(v).ok_or_else(|| format!("{}: bad minOccurs {v:?}", describe(element)))?,
            };
            let max = match element.attribute("maxOccurs") {
                None => Some(1),
                Some("unbounded") => None,
                Some(v) => Some(parse_count(v).ok_or_else(|| format!("{}: bad maxOccurs {v:?}", describe(element)))?),
            };
            if max.is_some_and(|max| max < min) {
                return Err(format!("{}: maxOccurs is less than minOccurs", describe(element)));
            }
            let ty = self.element_type(element)?;
            particles.push(Particle { name: name.to_owned(), min, max, ty });
        }
        Ok(particles)
    }
}

fn parse_simple_type(node: Node) -> Result<SimpleType, String> {
    check_attributes(node, &["name"])?;
    let name = required_name(node)?;
    let children = schema_children(node)?;
    let [restriction] = children.as_slice() else {
        return Err(format!("{}: must contain exactly one xs:restriction", describe(node)));
    };
    if restriction.tag_name().name() != "restriction" {
        return Err(format!("{}: xs:{} is not supported", describe(node), restriction.tag_name().name()));
    }
    check_attributes(*restriction, &["base"])?;
    let base_name = restriction.attribute("base").unwrap_or_default();
    let base = match base_name.split_once(':') {
        Some(("xs" | "xsd", local)) => Builtin::from_local_name(local),
        _ => None,
    }
    .ok_or_else(|| {
        let allowed: Vec<&str> = Builtin::ALL.iter().map(|b| b.name()).collect();
        format!("{}: the base must be one of {}, not {base_name:?}", describe(node), allowed.join(", "))
    })?;

    let mut simple = SimpleType::new(name, base);
    for facet in schema_children(*restriction)? {
        check_attributes(facet, &["value"])?;
        if !schema_children(facet)?.is_empty() {
            return Err(format!("{}: a facet may not contain elements", describe(node)));
        }
        let value = facet
            .attribute("value")
            .ok_or_else(|| format!("{}: xs:{} needs a value", describe(node), facet.tag_name().name()))?;
        match facet.tag_name().name() {
            "enumeration" if base == Builtin::String => simple.enumeration.push(value.to_owned()),
            "pattern" => {
                let pattern =
                    Pattern::parse(value).map_err(|e| format!("{}: pattern {value:?}: {e}", describe(node)))?;
                simple.patterns.push(pattern);
            }
            facet_name @ ("minLength" | "maxLength") if base == Builtin::String => {
                let length =
                    parse_count(value).ok_or_else(|| format!("{}: bad {facet_name} {value:?}", describe(node)))?;
                let slot = if facet_name == "minLength" { &mut simple.min_length } else { &mut simple.max_length };
                if slot.replace(length).is_some() {
                    return Err(format!("{}: {facet_name} is given twice", describe(node)));
                }
            }
            other => return Err(format!("{}: facet xs:{other} is not supported on {}", describe(node), base.name())),
        }
    }
    if let (Some(min), Some(max)) = (simple.min_length, simple.max_length)
        && min > max
    {
        return Err(format!("{}: minLength is greater than maxLength", describe(node)));
    }
    for value in &simple.enumeration {
        simple.check(value).map_err(|e| format!("{}: enumeration value {e}", describe(node)))?;
    }
    Ok(simple)
}

/// The element children of a schema element. Text other than whitespace, and elements outside
/// the XML Schema namespace, are errors; comments are ignored.
fn schema_children<'a, 'input>(node: Node<'a, 'input>) -> Result<Vec<Node<'a, 'input>>, String> {
    let mut elements = Vec::new();
    for child in node.children() {
        if child.is_element() {
            if child.tag_name().namespace() != Some(XS_NS) {
                return Err(format!("{}: <{}> is not an XML Schema element", describe(node), child.tag_name().name()));
            }
            elements.push(child);
        } else if child.is_text() && !child.text().unwrap_or_default().chars().all(is_xml_space) {
            return Err(format!("{}: text content is not allowed", describe(node)));
        }
    }
    Ok(elements)
}

/// Rejects any attribute not in `allowed` (attributes in a namespace are never allowed).
fn check_attributes(node: Node, allowed: &[&str]) -> Result<(), String> {
    for attribute in node.attributes() {
        if attribute.namespace().is_some() || !allowed.contains(&attribute.name()) {
            return Err(format!("{}: attribute {:?} is not supported", describe(node), attribute.name()));
        }
    }
    Ok(())
}

fn required_name<'a>(node: Node<'a, '_>) -> Result<&'a str, String> {
    match node.attribute("name") {
        Some(name) if !name.is_empty() && !name.contains(':') => Ok(name),
        _ => Err(format!("{}: needs a name without a prefix", describe(node))),
    }
}

/// `xs:element name="Sex"`, for error messages about the schema.
fn describe(node: Node) -> String {
    let kind = node.tag_name().name();
    match node.attribute("name") {
        Some(name) => format!("xs:{kind} name={name:?}"),
        None => format!("xs:{kind}"),
    }
}

/// A non-negative count such as minOccurs or a pattern quantity: ASCII digits only.
fn parse_count<T: std::str::FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

// ---------------------------------------------------------------------------------------------
// Validating a document

impl Schema {
    fn validate_root(&self, root: Node, errors: &mut Vec<String>) {
        let name = root.tag_name().name();
        let path = format!("/{name}");
        match self.globals.get(name) {
            Some(&ty) if root.tag_name().namespace().is_none() => self.validate_element(root, ty, &path, errors),
            _ => {
                let mut declared: Vec<&str> = self.globals.keys().map(String::as_str).collect();
                declared.sort_unstable();
                errors.push(format!(
                    "{path}: the root element <{name}> is not declared in the schema (declared: <{}>)",
                    declared.join(">, <")
                ));
            }
        }
    }

    fn validate_element(&self, node: Node, ty: TypeRef, path: &str, errors: &mut Vec<String>) {
        for attribute in node.attributes() {
            let schema_location = attribute.namespace() == Some(XSI_NS)
                && matches!(attribute.name(), "noNamespaceSchemaLocation" | "schemaLocation");
            if !schema_location {
                errors.push(format!("{path}: attribute {:?} is not allowed", attribute.name()));
            }
        }
        match ty {
            TypeRef::Simple(index) => self.simple[index].validate_element(node, path, errors),
            TypeRef::Complex(index) => self.validate_complex(&self.complex[index], node, path, errors),
        }
    }

    /// Matches the element children against the sequence, in order: each child is taken by the
    /// first particle, from the current one on, that has its name and room for it. Particles
    /// passed over must have had their minOccurs.
    fn validate_complex(&self, ty: &ComplexType, node: Node, path: &str, errors: &mut Vec<String>) {
        let parent = node.tag_name().name();
        let mut children = Vec::new();
        for child in node.children() {
            if child.is_element() {
                children.push(child);
            } else if child.is_text() && !child.text().unwrap_or_default().chars().all(is_xml_space) {
                errors.push(format!("{path}: text is not allowed directly inside <{parent}>"));
            }
        }
        let particles = &ty.particles;
        let mut current = 0; // the particle being filled
        let mut count = 0; // how many children it has taken
        for (child, child_path) in children.iter().zip(child_paths(path, &children)) {
            let name = child.tag_name().name();
            let unqualified = child.tag_name().namespace().is_none();
            let can_take = |i: usize, p: &Particle| {
                unqualified && p.name == name && (i > current || p.max.is_none_or(|max| count < max))
            };
            let Some((index, particle)) = particles.iter().enumerate().skip(current).find(|&(i, p)| can_take(i, p))
            else {
                errors.push(unexpected(particles, current, *child, &child_path, parent));
                continue;
            };
            if index > current {
                missing(&particles[current..index], count, path, Some(name), errors);
                current = index;
                count = 0;
            }
            count += 1;
            self.validate_element(*child, particle.ty, &child_path, errors);
        }
        if current < particles.len() {
            missing(&particles[current..], count, path, None, errors);
        }
    }
}

/// Reports the particles in `skipped` that did not get their minOccurs; the first had `count`
/// children, the others none.
fn missing(skipped: &[Particle], count: u64, path: &str, before: Option<&str>, errors: &mut Vec<String>) {
    let place = before.map_or_else(String::new, |name| format!(" before <{name}>"));
    for (i, particle) in skipped.iter().enumerate() {
        let seen = if i == 0 { count } else { 0 };
        if seen == 0 && particle.min > 0 {
            errors.push(format!("{path}: missing required element <{}>{place}", particle.name));
        } else if seen < particle.min {
            errors.push(format!(
                "{path}: <{}> occurs {seen} times{place}; at least {} are required",
                particle.name, particle.min
            ));
        }
    }
}

/// The message for a child that no particle from `current` on could take.
fn unexpected(particles: &[Particle], current: usize, child: Node, child_path: &str, parent: &str) -> String {
    let name = child.tag_name().name();
    let order: Vec<String> = particles.iter().map(|p| format!("<{}>", p.name)).collect();
    let order = if order.is_empty() { "nothing".to_owned() } else { order.join(", ") };
    if let Some(namespace) = child.tag_name().namespace() {
        return format!(
            "{child_path}: element <{name}> in namespace {namespace:?} is not allowed; the schema has no namespace"
        );
    }
    match particles.iter().position(|p| p.name == name) {
        Some(index) if index < current => {
            format!("{child_path}: <{name}> is out of order in <{parent}>; the order is {order}")
        }
        Some(index) => {
            let max = particles[index].max.unwrap_or_default();
            format!("{child_path}: too many <{name}> elements in <{parent}>; at most {max} allowed")
        }
        None => format!("{child_path}: unexpected element <{name}> in <{parent}>; it may contain {order}"),
    }
}

/// `parent/Name`, or `parent/Name[n]` when there are several children with that name.
fn child_paths(parent: &str, children: &[Node]) -> Vec<String> {
    let mut totals: HashMap<&str, usize> = HashMap::new();
    for child in children {
        *totals.entry(child.tag_name().name()).or_default() += 1;
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    children
        .iter()
        .map(|child| {
            let name = child.tag_name().name();
            let n = seen.entry(name).or_default();
            *n += 1;
            if totals.get(name).is_some_and(|&total| total > 1) {
                format!("{parent}/{name}[{n}]")
            } else {
                format!("{parent}/{name}")
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Lexical checks for the built-in types

/// An optional sign and ASCII digits: returns whether it is negative, and the digits.
fn split_integer(value: &str) -> Result<(bool, &str), String> {
    let (negative, digits) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value.strip_prefix('+').unwrap_or(value)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("expected an optional sign and the digits 0-9".to_owned());
    }
    Ok((negative, digits))
}

/// `YYYY-MM-DD`, a real calendar date, with an optional timezone.
fn check_date(value: &str) -> Result<(), String> {
    let rest = date_prefix(value.as_bytes())?;
    timezone(rest)
}

/// `YYYY-MM-DDThh:mm:ss`, with optional fractional seconds and an optional timezone.
fn check_date_time(value: &str) -> Result<(), String> {
    let rest = date_prefix(value.as_bytes())?;
    let [b'T', rest @ ..] = rest else {
        return Err("expected T between the date and the time".to_owned());
    };
    let rest = time_prefix(rest)?;
    timezone(rest)
}

/// The value of a run of ASCII digits.
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0, |n: u32, &d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
}

/// Checks the `YYYY-MM-DD` at the start of `bytes` and returns what follows it.
fn date_prefix(bytes: &[u8]) -> Result<&[u8], String> {
    let [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2, rest @ ..] = bytes else {
        return Err("expected YYYY-MM-DD".to_owned());
    };
    let (Some(year), Some(month), Some(day)) =
        (number(&[*y1, *y2, *y3, *y4]), number(&[*m1, *m2]), number(&[*d1, *d2]))
    else {
        return Err("expected YYYY-MM-DD".to_owned());
    };
    if year == 0 {
        return Err("there is no year 0000".to_owned());
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err("no such month".to_owned()),
    };
    if !(1..=days).contains(&day) {
        return Err("no such day in the calendar".to_owned());
    }
    Ok(rest)
}

/// Checks the `hh:mm:ss(.s+)?` at the start of `bytes` and returns what follows it.
fn time_prefix(bytes: &[u8]) -> Result<&[u8], String> {
    let [h1, h2, b':', m1, m2, b':', s1, s2, rest @ ..] = bytes else {
        return Err("expected hh:mm:ss".to_owned());
    };
    let (Some(hour), Some(minute), Some(second)) = (number(&[*h1, *h2]), number(&[*m1, *m2]), number(&[*s1, *s2]))
    else {
        return Err("expected hh:mm:ss".to_owned());
    };
    let mut rest = rest;
    let mut fraction_is_zero = true;
    if let [b'.', fraction @ ..] = rest {
        let digits = fraction.iter().take_while(|d| d.is_ascii_digit()).count();
        if digits == 0 {
            return Err("expected digits after the decimal point".to_owned());
        }
        fraction_is_zero = fraction[..digits].iter().all(|&d| d == b'0');
        rest = &fraction[digits..];
    }
    // 24:00:00 is allowed: it is midnight at the end of the day.
    let end_of_day = hour == 24 && minute == 0 && second == 0 && fraction_is_zero;
    if !((hour < 24 && minute < 60 && second < 60) || end_of_day) {
        return Err("no such time of day".to_owned());
    }
    Ok(rest)
}

/// Nothing, `Z`, or `+hh:mm` / `-hh:mm` from -14:00 to +14:00.
fn timezone(bytes: &[u8]) -> Result<(), String> {
    match bytes {
        [] | [b'Z'] => Ok(()),
        [b'+' | b'-', h1, h2, b':', m1, m2] => match (number(&[*h1, *h2]), number(&[*m1, *m2])) {
            (Some(hours), Some(minutes)) if minutes < 60 && (hours < 14 || (hours == 14 && minutes == 0)) => Ok(()),
            _ => Err("the timezone must be from -14:00 to +14:00".to_owned()),
        },
        _ => Err("unexpected characters at the end; a timezone is Z or +hh:mm or -hh:mm".to_owned()),
    }
}

// ---------------------------------------------------------------------------------------------
// Patterns: a sequence of atoms (a character, a character class or `\d`), each with an optional
// quantifier (`?`, `*`, `+`, `{n}`, `{n,}`, `{n,m}`). A pattern matches the whole value.

#[derive(Debug)]
struct Pattern {
    source: String,
    pieces: Vec<Piece>,
}

#[derive(Debug)]
struct Piece {
    atom: Atom,
    min: usize,
    max: Option<usize>,
}

#[derive(Debug)]
enum Atom {
    Char(char),
    Class { negated: bool, ranges: Vec<(char, char)> },
}

impl Atom {
    fn matches(&self, c: char) -> bool {
        match self {
            Self::Char(expected) => c == *expected,
            Self::Class { negated, ranges } => ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&c)) != *negated,
        }
    }
}

enum Escape {
    Char(char),
    Digit,
}

impl Pattern {
    fn parse(source: &str) -> Result<Self, String> {
        let mut chars = source.chars().peekable();
        let mut pieces = Vec::new();
        while let Some(c) = chars.next() {
            let atom = match c {
                '\\' => match escape(&mut chars)? {
                    Escape::Char(c) => Atom::Char(c),
                    Escape::Digit => Atom::Class { negated: false, ranges: vec![('0', '9')] },
                },
                '[' => class(&mut chars)?,
                '.' | '(' | ')' | '|' | '^' | '$' => return Err(format!("{c:?} is not supported")),
                '?' | '*' | '+' | '{' | '}' | ']' => return Err(format!("unexpected {c:?}")),
                c => Atom::Char(c),
            };
            let (min, max) = quantifier(&mut chars)?;
            pieces.push(Piece { atom, min, max });
        }
        Ok(Self { source: source.to_owned(), pieces })
    }

    fn is_match(&self, value: &str) -> bool {
        let chars: Vec<char> = value.chars().collect();
        match_pieces(&self.pieces, &chars)
    }
}

/// Matches greedily, backtracking over how many characters each piece takes.
fn match_pieces(pieces: &[Piece], input: &[char]) -> bool {
    let Some((piece, rest)) = pieces.split_first() else {
        return input.is_empty();
    };
    let limit = piece.max.map_or(input.len(), |max| max.min(input.len()));
    let run = input[..limit].iter().take_while(|&&c| piece.atom.matches(c)).count();
    (piece.min..=run).rev().any(|taken| match_pieces(rest, &input[taken..]))
}

/// The escape after a backslash: `\d` or one of XSD's single-character escapes.
fn escape(chars: &mut Peekable<Chars<'_>>) -> Result<Escape, String> {
    match chars.next() {
        Some('d') => Ok(Escape::Digit),
        Some('n') => Ok(Escape::Char('\n')),
        Some('r') => Ok(Escape::Char('\r')),
        Some('t') => Ok(Escape::Char('\t')),
        Some(c @ ('\\' | '|' | '.' | '?' | '*' | '+' | '(' | ')' | '{' | '}' | '-' | '[' | ']' | '^')) => {
            Ok(Escape::Char(c))
        }
        Some(c) => Err(format!("the escape \\{c} is not supported")),
        None => Err("the pattern ends with a lone backslash".to_owned()),
    }
}

/// A character class, after its `[`: characters, ranges and escapes, optionally negated with `^`.
fn class(chars: &mut Peekable<Chars<'_>>) -> Result<Atom, String> {
    let negated = chars.next_if_eq(&'^').is_some();
    let mut ranges = Vec::new();
    loop {
        let lo = match chars.next() {
            None => return Err("unterminated character class".to_owned()),
            Some(']') => break,
            Some('[') => return Err("nested classes and class subtraction are not supported".to_owned()),
            Some('\\') => match escape(chars)? {
                Escape::Char(c) => c,
                Escape::Digit => {
                    ranges.push(('0', '9'));
                    continue;
                }
            },
            Some(c) => c,
        };
        // A '-' just before ']' is a literal '-'.
        if chars.peek() != Some(&'-') {
            ranges.push((lo, lo));
            continue;
        }
        chars.next();
        let hi = match chars.next() {
            None => return Err("unterminated character class".to_owned()),
            Some(']') => {
                ranges.extend([(lo, lo), ('-', '-')]);
                break;
            }
            Some('[') => return Err("class subtraction is not supported".to_owned()),
            Some('\\') => match escape(chars)? {
                Escape::Char(c) => c,
                Escape::Digit => return Err("\\d cannot end a range".to_owned()),
            },
            Some(c) => c,
        };
        if hi < lo {
            return Err(format!("the range {lo}-{hi} is backwards"));
        }
        ranges.push((lo, hi));
    }
    if ranges.is_empty() {
        return Err("empty character class".to_owned());
    }
    Ok(Atom::Class { negated, ranges })
}

/// The quantifier after an atom; `(1, Some(1))` when there is none.
fn quantifier(chars: &mut Peekable<Chars<'_>>) -> Result<(usize, Option<usize>), String> {
    if chars.next_if_eq(&'?').is_some() {
        return Ok((0, Some(1)));
    }
    if chars.next_if_eq(&'*').is_some() {
        return Ok((0, None));
    }
    if chars.next_if_eq(&'+').is_some() {
        return Ok((1, None));
    }
    if chars.next_if_eq(&'{').is_none() {
        return Ok((1, Some(1)));
    }
    let mut body = String::new();
    loop {
        match chars.next() {
            Some('}') => break,
            Some(c) => body.push(c),
            None => return Err("unterminated quantifier".to_owned()),
        }
    }
    let bad = || format!("bad quantifier {{{body}}}");
    let (min, max) = match body.split_once(',') {
        None => {
            let n = parse_count(&body).ok_or_else(bad)?;
            (n, Some(n))
        }
        Some((min, "")) => (parse_count(min).ok_or_else(bad)?, None),
        Some((min, max)) => (parse_count(min).ok_or_else(bad)?, Some(parse_count(max).ok_or_else(bad)?)),
    };
    if max.is_some_and(|max| max < min) {
        return Err(bad());
    }
    Ok((min, max))
}

// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = include_str!("../../docs/extracts/cin-census.xsd");

    /// A complete, valid extract (synthetic data): an unborn child, and a child with two CIN
    /// episodes, the first closed after an assessment and the second open with one in progress.
    const VALID: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Message>
  <Header>
    <CollectionDetails>
      <Collection>CIN</Collection>
      <Year>2027</Year>
      <ReferenceDate>2027-03-31</ReferenceDate>
    </CollectionDetails>
    <Source>
      <SourceLevel>L</SourceLevel>
      <LEA>890</LEA>
      <SoftwareCode>casegraph</SoftwareCode>
      <Release>0.1.0</Release>
      <SerialNo>001</SerialNo>
      <DateTime>2026-11-30T10:00:00</DateTime>
    </Source>
  </Header>
  <Children>
    <Child>
      <ChildIdentifiers>
        <LAchildID>0b4e7a52-3c1d-4f7e-9a60-5d2f8c1e9b01</LAchildID>
        <ExpectedPersonBirthDate>2027-05-20</ExpectedPersonBirthDate>
        <Sex>U</Sex>
      </ChildIdentifiers>
      <ChildCharacteristics>
        <Ethnicity>NOBT</Ethnicity>
      </ChildCharacteristics>
      <CINdetails>
        <CINreferralDate>2026-10-05</CINreferralDate>
        <ReferralSource>3D</ReferralSource>
        <ReferralNFA>false</ReferralNFA>
      </CINdetails>
    </Child>
    <Child>
      <ChildIdentifiers>
        <LAchildID>7f3c2a10-8d4b-4e21-b6a9-2c5e0f7d4a38</LAchildID>
        <PersonBirthDate>2016-02-29</PersonBirthDate>
        <Sex>F</Sex>
      </ChildIdentifiers>
      <ChildCharacteristics>
        <Ethnicity>WBRI</Ethnicity>
      </ChildCharacteristics>
      <CINdetails>
        <CINreferralDate>2026-04-14</CINreferralDate>
        <ReferralSource>2A</ReferralSource>
        <CINclosureDate>2026-06-30</CINclosureDate>
        <ReasonForClosure>RC8</ReasonForClosure>
        <Assessments>
          <AssessmentActualStartDate>2026-04-15</AssessmentActualStartDate>
          <AssessmentAuthorisationDate>2026-05-20</AssessmentAuthorisationDate>
        </Assessments>
        <ReferralNFA>false</ReferralNFA>
      </CINdetails>
      <CINdetails>
        <CINreferralDate>2026-09-01</CINreferralDate>
        <ReferralSource>6</ReferralSource>
        <Assessments>
          <AssessmentActualStartDate>2026-09-02</AssessmentActualStartDate>
        </Assessments>
        <ReferralNFA>0</ReferralNFA>
      </CINdetails>
    </Child>
  </Children>
</Message>
"#;

    /// `VALID` with each edit applied to the first occurrence of its text.
    fn variant(edits: &[(&str, &str)]) -> String {
        edits.iter().fold(VALID.to_owned(), |doc, (from, to)| {
            assert!(doc.contains(from), "the sample has no {from:?}");
            doc.replacen(from, to, 1)
        })
    }

    /// Validates a document that must fail, and returns its errors.
    fn failures(doc: &str) -> Vec<String> {
        match validate(SCHEMA, doc) {
            Ok(()) => panic!("the document passed validation:\n{doc}"),
            Err(errors) => errors,
        }
    }

    fn assert_reported(errors: &[String], needles: &[&str]) {
        assert!(
            errors.iter().any(|e| needles.iter().all(|needle| e.contains(needle))),
            "no error mentions all of {needles:?}: {errors:#?}"
        );
    }

    #[test]
    fn the_complete_sample_passes() {
        assert_eq!(validate(SCHEMA, VALID), Ok(()));
    }

    #[test]
    fn an_extract_with_no_children_passes() {
        let start = VALID.find("<Children>").unwrap_or_default();
        let end = VALID.find("</Message>").unwrap_or_default();
        assert!(start < end, "the sample has Children before </Message>");
        let doc = format!("{}<Children/>\n{}", &VALID[..start], &VALID[end..]);
        assert_eq!(validate(SCHEMA, &doc), Ok(()));
    }

    #[test]
    fn elements_out_of_order_fail() {
        let id = "<LAchildID>0b4e7a52-3c1d-4f7e-9a60-5d2f8c1e9b01</LAchildID>";
        let doc = variant(&[(id, ""), ("<Sex>U</Sex>", &format!("<Sex>U</Sex>{id}"))]);
        let errors = failures(&doc);
        let child = "/Message/Children/Child[1]/ChildIdentifiers";
        assert_reported(&errors, &[child, "missing required element <LAchildID>"]);
        assert_reported(&errors, &[&format!("{child}/LAchildID:"), "out of order"]);
        assert_eq!(errors.len(), 2, "{errors:#?}");
    }

    #[test]
    fn a_missing_required_element_fails() {
        let errors = failures(&variant(&[("<ReferralNFA>false</ReferralNFA>", "")]));
        assert_eq!(errors, ["/Message/Children/Child[1]/CINdetails: missing required element <ReferralNFA>"]);

        // Missing before a later element: the message says where it was expected.
        let errors = failures(&variant(&[("<ReferralSource>6</ReferralSource>", "")]));
        assert_eq!(
            errors,
            [
                "/Message/Children/Child[2]/CINdetails[2]: missing required element <ReferralSource> before <Assessments>"
            ]
        );
    }

    #[test]
    fn an_unknown_element_fails() {
        let id = "<LAchildID>7f3c2a10-8d4b-4e21-b6a9-2c5e0f7d4a38</LAchildID>";
        let doc = variant(&[(id, &format!("{id}<PersonName>Testchild Alpha</PersonName>"))]);
        let errors = failures(&doc);
        assert_reported(&errors, &["/Message/Children/Child[2]/ChildIdentifiers/PersonName:", "unexpected element"]);
        assert_eq!(errors.len(), 1, "{errors:#?}");
    }

    #[test]
    fn a_bad_referral_source_fails() {
        let doc = variant(&[("<ReferralSource>6</ReferralSource>", "<ReferralSource>11</ReferralSource>")]);
        let source = "/Message/Children/Child[2]/CINdetails[2]/ReferralSource";
        assert_eq!(
            failures(&doc),
            [format!(r#"{source}: "11" is not one of the values allowed by ReferralSourceType"#)]
        );
    }

    #[test]
    fn a_bad_ethnicity_fails() {
        let doc = variant(&[("<Ethnicity>WBRI</Ethnicity>", "<Ethnicity>XXXX</Ethnicity>")]);
        let ethnicity = "/Message/Children/Child[2]/ChildCharacteristics/Ethnicity";
        assert_eq!(
            failures(&doc),
            [format!(r#"{ethnicity}: "XXXX" is not one of the values allowed by EthnicityType"#)]
        );
    }

    #[test]
    fn a_date_not_in_the_calendar_fails() {
        let errors = failures(&variant(&[("2026-04-14", "2026-02-30")]));
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_reported(&errors, &["/Message/Children/Child[2]/CINdetails[1]/CINreferralDate:", "\"2026-02-30\""]);
        assert_reported(&errors, &["not a valid xs:date", "no such day"]);
    }

    #[test]
    fn a_second_child_identifiers_fails() {
        let extra = "<ChildIdentifiers><LAchildID>c0ffee00-0000-4000-8000-000000000001</LAchildID><Sex>U</Sex>\
                     </ChildIdentifiers>";
        let doc = variant(&[("<ChildCharacteristics>", &format!("{extra}<ChildCharacteristics>"))]);
        let second = "/Message/Children/Child[1]/ChildIdentifiers[2]";
        assert_eq!(
            failures(&doc),
            [format!("{second}: too many <ChildIdentifiers> elements in <Child>; at most 1 allowed")]
        );
    }

    #[test]
    fn header_values_are_checked() {
        for (from, to, element) in [
            ("<Year>2027</Year>", "<Year>27</Year>", "Year"),
            ("<Year>2027</Year>", "<Year>year</Year>", "Year"),
            ("<LEA>890</LEA>", "<LEA>89</LEA>", "LEA"),
            ("<SerialNo>001</SerialNo>", "<SerialNo>1</SerialNo>", "SerialNo"),
            ("<Collection>CIN</Collection>", "<Collection>CLA</Collection>", "Collection"),
            ("T10:00:00", " 10:00:00", "DateTime"),
            ("T10:00:00", "T25:00:00", "DateTime"),
            ("<Release>0.1.0</Release>", "<Release></Release>", "Release"),
        ] {
            let errors = failures(&variant(&[(from, to)]));
            assert_eq!(errors.len(), 1, "{to}: {errors:#?}");
            assert_reported(&errors, &["/Message/Header/", &format!("/{element}: ")]);
        }
    }

    #[test]
    fn values_and_structure_are_checked_in_children() {
        for (from, to, needle) in [
            ("<Sex>F</Sex>", "<Sex>X</Sex>", "/Sex: "),
            ("<Sex>F</Sex>", "<Sex> F </Sex>", "/Sex: "),
            ("<ReferralNFA>false</ReferralNFA>", "<ReferralNFA>no</ReferralNFA>", "/ReferralNFA: "),
            ("<ReasonForClosure>RC8<", "<ReasonForClosure>RC10<", "/ReasonForClosure: "),
            ("7f3c2a10-8d4b-4e21-b6a9-2c5e0f7d4a38", "7f3c2a10-8d4b-4e21-b6a9-2c5e0f7d4a38-0", "/LAchildID: "),
            ("7f3c2a10-8d4b-4e21-b6a9-2c5e0f7d4a38", "7f3c2a10 8d4b", "/LAchildID: "),
            ("<Sex>F</Sex>", "<Sex>F<Code>F</Code></Sex>", "/Sex: "),
            ("<ChildCharacteristics>", "<ChildCharacteristics>free text", "/ChildCharacteristics: text"),
            ("<Child>", r#"<Child id="1">"#, "/Child[1]: attribute"),
        ] {
            let errors = failures(&variant(&[(from, to)]));
            assert_eq!(errors.len(), 1, "{to}: {errors:#?}");
            assert_reported(&errors, &[needle]);
        }
    }

    #[test]
    fn a_document_that_is_not_the_schema_root_or_not_xml_fails() {
        assert_reported(&failures("<Return/>"), &["/Return:", "not declared"]);
        assert_reported(&failures(r#"<Message xmlns="urn:example"/>"#), &["/Message:", "not declared"]);
        assert_reported(&failures("<Message>"), &["not well-formed"]);
    }

    #[test]
    fn a_schema_outside_the_subset_fails_loudly() {
        let complex = |sequence: &str| {
            format!(r#"<xs:complexType name="T"><xs:sequence>{sequence}</xs:sequence></xs:complexType>"#)
        };
        let simple = |base: &str, facets: &str| {
            format!(
                r#"<xs:simpleType name="T"><xs:restriction base="{base}">{facets}</xs:restriction></xs:simpleType>"#
            )
        };
        let schema = |declarations: &str| {
            format!(r#"<xs:schema xmlns:xs="{XS_NS}"><xs:element name="A" type="T"/>{declarations}</xs:schema>"#)
        };
        // The same schema with a type inside the subset is accepted.
        assert_eq!(validate(&schema(&complex("")), "<A/>"), Ok(()));
        assert_eq!(validate(&schema(&simple("xs:string", "")), "<A/>"), Ok(()));

        for (declarations, needle) in [
            (r#"<xs:complexType name="T"><xs:choice/></xs:complexType>"#.to_owned(), "xs:choice"),
            (r#"<xs:complexType name="T"><xs:sequence/><xs:attribute/></xs:complexType>"#.to_owned(), "xs:sequence"),
            (r#"<xs:complexType name="T" mixed="true"><xs:sequence/></xs:complexType>"#.to_owned(), "\"mixed\""),
            (r#"<xs:simpleType name="T"><xs:list itemType="xs:string"/></xs:simpleType>"#.to_owned(), "xs:list"),
            (simple("xs:gYear", ""), "xs:gYear"),
            (simple("xs:string", r#"<xs:length value="3"/>"#), "xs:length"),
            (simple("xs:integer", r#"<xs:maxLength value="3"/>"#), "xs:maxLength"),
            (simple("xs:string", r#"<xs:pattern value="(a|b)"/>"#), "pattern"),
            (simple("xs:string", r#"<xs:pattern value="\p{L}"/>"#), "\\p"),
            (simple("xs:string", r#"<xs:enumeration value="A"/><xs:maxLength value="0"/>"#), "enumeration"),
            (complex(r#"<xs:element name="B" type="xs:gYear"/>"#), "xs:gYear"),
            (complex(r#"<xs:element ref="B"/>"#), "\"ref\""),
            (complex(r#"<xs:element name="B"/>"#), "xs:anyType"),
            (complex(r#"<xs:element name="B" type="U"/>"#), "unknown type"),
            (complex(r#"<xs:element name="B" type="xs:string" maxOccurs="many"/>"#), "maxOccurs"),
            (complex(r#"<xs:element name="B" type="xs:string"/><xs:element name="B" type="xs:date"/>"#), "twice"),
            (r#"<xs:import namespace="urn:example"/>"#.to_owned(), "xs:import"),
        ] {
            let text = schema(&declarations);
            match validate(&text, "<A/>") {
                Ok(()) => panic!("the schema was accepted:\n{text}"),
                Err(errors) => assert_reported(&errors, &["schema: ", needle]),
            }
        }
    }

    #[test]
    fn dates_and_times() {
        for ok in ["2024-02-29", "2000-02-29", "2026-12-31", "2026-03-31Z", "2026-03-31+01:00"] {
            assert_eq!(check_date(ok), Ok(()), "{ok}");
        }
        for bad in [
            "2023-02-29",
            "1900-02-29",
            "2026-04-31",
            "2026-13-01",
            "0000-01-01",
            "2026-1-01",
            "26-01-01",
            "2026-01-01 ",
        ] {
            assert!(check_date(bad).is_err(), "{bad}");
        }
        for ok in [
            "2026-11-30T10:00:00",
            "2026-11-30T10:00:00.250",
            "2026-11-30T23:59:59Z",
            "2026-11-30T24:00:00",
            "2026-11-30T10:00:00-14:00",
        ] {
            assert_eq!(check_date_time(ok), Ok(()), "{ok}");
        }
        for bad in [
            "2026-11-30",
            "2026-11-30T10:00",
            "2026-11-30T10:60:00",
            "2026-11-30T24:00:01",
            "2026-11-30T10:00:00.",
            "2026-11-30T10:00:00+15:00",
            "2026-11-30T10:00:00+01",
        ] {
            assert!(check_date_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn patterns() {
        let matches = |pattern: &str, value: &str| Pattern::parse(pattern).map(|p| p.is_match(value));
        assert_eq!(matches("[0-9]{4}", "2027"), Ok(true));
        assert_eq!(matches("[0-9]{4}", "207"), Ok(false));
        assert_eq!(matches("[0-9]{4}", "20270"), Ok(false));
        assert_eq!(matches(r"\d{3}\d*", "001"), Ok(true));
        assert_eq!(matches(r"\d{3}\d*", "0012"), Ok(true));
        assert_eq!(matches(r"\d{3}\d*", "01"), Ok(false));
        assert_eq!(matches(r"[0-9A-Za-z\-]+", "7f3c2a10-8d4b"), Ok(true));
        assert_eq!(matches(r"[0-9A-Za-z\-]+", "7f3c_2a10"), Ok(false));
        assert_eq!(matches(r"[0-9A-Za-z\-]+", ""), Ok(false));
        assert_eq!(matches("RC[1-9]", "RC9"), Ok(true));
        assert_eq!(matches("[^0-9]?x{1,2}", "ax"), Ok(true));
        assert_eq!(matches("[^0-9]?x{1,2}", "1x"), Ok(false));
        assert_eq!(matches("[a-]b", "-b"), Ok(true));
        for bad in ["(a)", "a|b", ".", "[a", "a{2,1}", r"\w", "x{", "[z-a]"] {
            assert!(Pattern::parse(bad).is_err(), "{bad}");
        }
    }
}
