//! The mapping table: each platform object (platform channel, kind, external id) and the Genesys
//! object it is, with a hash of what was last written, so a plan needs no full read of Genesys
//! and the interactions can resolve an employee to its user. One partition per organisation,
//! platform channel and kind (`EXMAP#<genesys>#<platform>#<kind>`), one item per object.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::config::common::ChannelId;
use crate::ex::config::ExSettings;
use crate::store::{Entity, Key, Store, StoreError, keys};

/// What kind of Genesys object a platform object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// An employee as a user.
    User,
    /// A group as a queue.
    Queue,
    /// A group's member as a queue member (`<group>/<employee>`).
    Member,
    /// A tag as a wrap-up code.
    WrapupCode,
    /// An ACD skill, by name.
    Skill,
    /// A language, by name.
    Language,
    /// An employee's skills (`name` holds the skill names last written, one a line).
    UserSkills,
    /// An employee's languages (`name` as for skills).
    UserLanguages,
    /// A custom status as a secondary status (a presence definition).
    SecondaryStatus,
}

impl ObjectKind {
    pub const ALL: [Self; 9] = [
        Self::User,
        Self::Queue,
        Self::Member,
        Self::WrapupCode,
        Self::Skill,
        Self::Language,
        Self::UserSkills,
        Self::UserLanguages,
        Self::SecondaryStatus,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Queue => "queue",
            Self::Member => "member",
            Self::WrapupCode => "wrapup_code",
            Self::Skill => "skill",
            Self::Language => "language",
            Self::UserSkills => "user_skills",
            Self::UserLanguages => "user_languages",
            Self::SecondaryStatus => "secondary_status",
        }
    }
}

/// One mapped object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub genesys: ChannelId,
    pub platform: ChannelId,
    pub kind: ObjectKind,
    pub external_id: String,
    pub genesys_id: String,
    /// The object's name as last written (interactions look wrap-up codes up by tag name).
    pub name: String,
    /// A hash of what was last written: a different desired hash is an update.
    pub hash: String,
    /// A user made inactive because the employee left; a re-created one is active again.
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Entity for Mapping {
    const TYPE: &'static str = "ex_mapping";

    fn key(&self) -> Key {
        keys::ex_mapping(self.genesys.as_str(), self.platform.as_str(), self.kind.as_str(), &self.external_id)
    }
}

/// A short, stable hash of what is written for an object.
pub fn hash(parts: &[&str]) -> String {
    let mut digest = Sha256::new();
    for part in parts {
        digest.update(part.as_bytes());
        digest.update([0]);
    }
    hex::encode(&digest.finalize()[..8])
}

/// Every mapping of one platform channel in one organisation, by kind and external id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mappings(pub BTreeMap<(ObjectKind, String), Mapping>);

impl Mappings {
    /// Reads them: one query (paged) per kind.
    pub async fn read(store: &Store, genesys: &ChannelId, platform: &ChannelId) -> Result<Self, StoreError> {
        Self::read_kinds(store, genesys, platform, &ObjectKind::ALL).await
    }

    /// Reads the mappings of `kinds` only.
    pub async fn read_kinds(
        store: &Store,
        genesys: &ChannelId,
        platform: &ChannelId,
        kinds: &[ObjectKind],
    ) -> Result<Self, StoreError> {
        let mut all = BTreeMap::new();
        for &kind in kinds {
            let partition = keys::ex_mapping_partition(genesys.as_str(), platform.as_str(), kind.as_str());
            for item in store.partition(&partition).await? {
                let mapping: Mapping = store.decode_item(item)?;
                all.insert((mapping.kind, mapping.external_id.clone()), mapping);
            }
        }
        Ok(Self(all))
    }

    pub fn get(&self, kind: ObjectKind, external_id: &str) -> Option<&Mapping> {
        self.0.get(&(kind, external_id.to_owned()))
    }

    /// `ex` with the synced users and wrap-up codes (by tag name) over the ones typed by hand:
    /// the table is the source once the account is synced.
    pub fn over(&self, ex: &ExSettings) -> ExSettings {
        let mut ex = ex.clone();
        ex.users = self.users_over(&ex.users);
        ex.wrapup_codes.extend(self.of(ObjectKind::WrapupCode).map(|m| (m.name.clone(), m.genesys_id.clone())));
        ex
    }

    /// The synced users over `users` (platform agent → Genesys user).
    pub fn users_over(&self, users: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut users = users.clone();
        users.extend(self.of(ObjectKind::User).map(|m| (m.external_id.clone(), m.genesys_id.clone())));
        users
    }

    /// The active mappings of `kind`.
    pub fn of(&self, kind: ObjectKind) -> impl Iterator<Item = &Mapping> {
        self.0.values().filter(move |m| m.kind == kind && m.active)
    }
}
