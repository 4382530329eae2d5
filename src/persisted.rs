//! Persisted operations, in Apollo's protocol (`extensions.persistedQuery.sha256Hash`): a client
//! sends the hash of a registered operation instead of its text.
//!
//! - Registered operations are loaded at start from `CASEGRAPH_PERSISTED_OPERATIONS` (a JSON
//!   object of `sha256 → text`, or an Apollo persisted-query manifest).
//! - In modes `off` and `audit`, a client may also register an operation the Apollo way (hash
//!   only → `PERSISTED_QUERY_NOT_FOUND` → the same request with its text): kept in memory.
//! - In `audit` mode, an operation that is not registered is logged (its hash and name, never its
//!   text, which can hold names or dates of birth as literals).
//! - In `enforce` mode, principals holding one of the enforced roles may run registered
//!   operations only (by hash or by the same text); the rest of the roles run anything.
use crate::auth::{Principal, Role};
use crate::config::ConfigError;
use sha2::{Digest, Sha256};
use std::{collections::HashMap, path::Path, sync::RwLock};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    Off,
    Audit,
    Enforce,
}

/// Operations remembered from clients (automatic registration) at most, each at most
/// [`REMEMBERED_LEN`] bytes long (16 MiB in all): longer ones run but are not remembered.
const REMEMBERED_MAX: usize = 1024;
const REMEMBERED_LEN: usize = 16 * 1024;

/// What a request asked for, once its persisted-query extension is read.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// No persisted query: run the text sent.
    Text,
    /// A known hash: run this text.
    Found(String),
    /// A hash this server does not know (the client may send the text with it).
    NotFound,
    /// The text sent does not hash to the hash sent.
    Mismatch,
    /// Enforced for this principal and not registered.
    NotRegistered,
}

pub struct Store {
    mode: Mode,
    enforced: Vec<Role>,
    registered: HashMap<String, String>,
    remembered: RwLock<HashMap<String, String>>,
}

pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    pub fn new(mode: Mode, enforced: Vec<Role>, registered: HashMap<String, String>) -> Self {
        Store { mode, enforced, registered, remembered: RwLock::new(HashMap::new()) }
    }

    /// Reads the registered operations from a file: `{"<sha256>": "<text>", ...}`, or an Apollo
    /// manifest (`{"operations": [{"id": "<sha256>", "body": "<text>", ...}]}`). Each hash must
    /// be the SHA-256 of its text.
    pub fn load(path: Option<&Path>, mode: Mode, enforced: Vec<Role>) -> Result<Self, ConfigError> {
        let mut registered = HashMap::new();
        if let Some(path) = path {
            let err = |m: &str| ConfigError(format!("CASEGRAPH_PERSISTED_OPERATIONS: {m}"));
            let text = std::fs::read_to_string(path).map_err(|_| err(&format!("cannot read {}", path.display())))?;
            let doc: serde_json::Value = serde_json::from_str(&text).map_err(|_| err("not JSON"))?;
            let pairs: Vec<(String, String)> = match doc.get("operations").and_then(|o| o.as_array()) {
                Some(ops) => ops
                    .iter()
                    .filter_map(|o| Some((o.get("id")?.as_str()?.to_string(), o.get("body")?.as_str()?.to_string())))
                    .collect(),
                None => doc
                    .as_object()
                    .ok_or_else(|| err("expected an object of sha256 to text"))?
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect(),
            };
            for (hash, body) in pairs {
                if sha256_hex(&body) != hash.to_ascii_lowercase() {
                    return Err(err(&format!("{hash} is not the SHA-256 of its text")));
                }
                registered.insert(hash.to_ascii_lowercase(), body);
            }
        }
        if mode == Mode::Enforce && registered.is_empty() {
            return Err(ConfigError("enforce mode needs CASEGRAPH_PERSISTED_OPERATIONS".into()));
        }
        Ok(Store::new(mode, enforced, registered))
    }

    /// Registers operations known at build time (the partner portal's, in the dev profile).
    pub fn with_operations<'a>(mut self, texts: impl IntoIterator<Item = &'a str>) -> Self {
        for t in texts {
            self.registered.insert(sha256_hex(t), t.to_string());
        }
        self
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn registered(&self) -> usize {
        self.registered.len()
    }

    fn enforced_for(&self, p: &Principal) -> bool {
        self.mode == Mode::Enforce && p.roles.iter().any(|r| self.enforced.contains(r))
    }

    /// Resolves a request's text: `hash` from `extensions.persistedQuery.sha256Hash`, `text` the
    /// `query` it sent (possibly empty).
    pub fn lookup(&self, p: &Principal, hash: Option<&str>, text: &str) -> Lookup {
        match hash.map(str::to_ascii_lowercase) {
            Some(h) if text.is_empty() => {
                if let Some(t) = self.registered.get(&h) {
                    return Lookup::Found(t.clone());
                }
                let remembered = self.remembered.read().ok().and_then(|m| m.get(&h).cloned());
                match remembered {
                    Some(t) if !self.enforced_for(p) => Lookup::Found(t),
                    _ => Lookup::NotFound,
                }
            }
            Some(h) => {
                if sha256_hex(text) != h {
                    return Lookup::Mismatch;
                }
                if self.registered.contains_key(&h) {
                    return Lookup::Text;
                }
                if self.enforced_for(p) {
                    return Lookup::NotRegistered;
                }
                self.audit(&h);
                if let Ok(mut m) = self.remembered.write()
                    && m.len() < REMEMBERED_MAX
                    && text.len() <= REMEMBERED_LEN
                {
                    m.insert(h, text.to_string());
                }
                Lookup::Text
            }
            None if self.mode == Mode::Off => Lookup::Text,
            None => {
                let h = sha256_hex(text);
                if self.registered.contains_key(&h) {
                    Lookup::Text
                } else if self.enforced_for(p) {
                    Lookup::NotRegistered
                } else {
                    self.audit(&h);
                    Lookup::Text
                }
            }
        }
    }

    fn audit(&self, hash: &str) {
        if self.mode == Mode::Audit {
            tracing::info!(sha256 = hash, "an operation that is not registered ran (persisted operations: audit mode)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::prelude::Uuid;

    fn who(role: Role) -> Principal {
        Principal {
            user: Uuid::nil(),
            roles: vec![role],
            organisation: None,
            team: None,
            scopes: vec![],
            expires_at: 0,
        }
    }

    #[test]
    fn the_apollo_protocol_and_enforcement_per_role() {
        let q = "query Me { viewer { id } }";
        let h = sha256_hex(q);
        let off = Store::new(Mode::Off, vec![], HashMap::new());
        let p = who(Role::PartnerPractitioner);
        assert_eq!(off.lookup(&p, Some(&h), ""), Lookup::NotFound, "unknown hash");
        assert_eq!(off.lookup(&p, Some(&h), "query Other { x }"), Lookup::Mismatch);
        assert_eq!(off.lookup(&p, Some(&h), q), Lookup::Text, "registered the Apollo way");
        assert_eq!(off.lookup(&p, Some(&h), ""), Lookup::Found(q.into()));

        let other = "{ viewer { roles } }";
        let registered = HashMap::from([(h.clone(), q.to_string())]);
        let enforce = Store::new(Mode::Enforce, vec![Role::PartnerPractitioner, Role::Integration], registered);
        assert_eq!(enforce.lookup(&p, Some(&h), ""), Lookup::Found(q.into()));
        assert_eq!(enforce.lookup(&p, None, q), Lookup::Text, "the registered text itself");
        assert_eq!(enforce.lookup(&p, None, other), Lookup::NotRegistered);
        let oh = sha256_hex(other);
        assert_eq!(enforce.lookup(&p, Some(&oh), other), Lookup::NotRegistered, "no registration when enforced");
        assert_eq!(enforce.lookup(&p, Some(&oh), ""), Lookup::NotFound);
        assert_eq!(enforce.lookup(&who(Role::SocialWorker), None, other), Lookup::Text, "not enforced for staff");
    }
}
