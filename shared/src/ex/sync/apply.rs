//! Applying a plan: each action made in Genesys Cloud, then its mapping written, so an apply cut
//! short (a crash, a 429) leaves a table from which the next plan holds exactly what is left.
//! Names that already exist are adopted rather than duplicated: a user found by its external id
//! (`POST /api/v2/users/{id}/externalid`, the authority `ccbridge-<platform channel>`) or its
//! e-mail, a queue or a wrap-up code by its name. A 409 on a write is read again and retried
//! once; a 429 stops the apply with the wait Genesys asked for.

use std::time::Duration;

use time::OffsetDateTime;

use super::mapping::{Mapping, ObjectKind};
use super::plan::{Action, Levels, levels_hash, member_id, user_hash};
use crate::config::common::ChannelId;
use crate::ex::agents::SystemPresence;
use crate::genesys::directory::{DirectoryUser, Named, UserState};
use crate::genesys::{GenesysClient, GenesysError};
use crate::store::{Entity, Store, StoreError, keys};

/// Why an apply stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("Genesys Cloud asks to wait {} s", retry_after.as_secs())]
    RateLimited { retry_after: Duration },
    #[error("Genesys Cloud refused: {0}")]
    Genesys(GenesysError),
    #[error("{0}")]
    Inconsistent(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<GenesysError> for SyncError {
    fn from(error: GenesysError) -> Self {
        match error {
            GenesysError::RateLimited { retry_after, .. } => Self::RateLimited { retry_after },
            other => Self::Genesys(other),
        }
    }
}

/// Where a plan is applied.
pub struct Target<'a> {
    pub store: &'a Store,
    pub client: &'a GenesysClient,
    pub genesys: &'a ChannelId,
    pub platform: &'a ChannelId,
    pub division: Option<&'a str>,
    pub now: OffsetDateTime,
}

impl Target<'_> {
    /// The external-id authority of the platform channel's users.
    pub fn authority(&self) -> String {
        format!("ccbridge-{}", self.platform)
    }

    async fn write(
        &self,
        kind: ObjectKind,
        external: &str,
        genesys_id: &str,
        name: &str,
        hash: String,
        active: bool,
    ) -> Result<(), StoreError> {
        let mapping = Mapping {
            genesys: self.genesys.clone(),
            platform: self.platform.clone(),
            kind,
            external_id: external.to_owned(),
            genesys_id: genesys_id.to_owned(),
            name: name.to_owned(),
            hash,
            active,
            updated_at: self.now,
        };
        self.store
            .update_with::<Mapping, _>(&mapping.key(), |current| (current != Some(&mapping)).then(|| mapping.clone()))
            .await?;
        Ok(())
    }

    fn mapped(&self, kind: ObjectKind, external: &str) -> crate::store::Key {
        keys::ex_mapping(self.genesys.as_str(), self.platform.as_str(), kind.as_str(), external)
    }
}

/// Applies `actions` in order, calling `progress` after each; the number applied.
pub async fn apply(
    target: &Target<'_>,
    actions: &[Action],
    mut progress: impl FnMut(usize, &Action),
) -> Result<usize, SyncError> {
    for (done, action) in actions.iter().enumerate() {
        apply_one(target, action).await?;
        progress(done + 1, action);
    }
    Ok(actions.len())
}

async fn apply_one(target: &Target<'_>, action: &Action) -> Result<(), SyncError> {
    let client = target.client;
    match action {
        Action::CreateUser { employee, spec } => {
            let authority = target.authority();
            let by_external_id = client.user_by_external_id(&authority, employee).await?;
            let found = match by_external_id.is_some() {
                true => by_external_id.clone(),
                false => client.user_by_email(&spec.email).await?,
            };
            let user = match found {
                Some(user) => set_user(client, user, Some(&spec.name), UserState::Active).await?,
                None => match client.create_user(&spec.name, &spec.email, target.division).await {
                    Ok(user) => user,
                    Err(GenesysError::Api { status: 409, .. }) => {
                        let user = client.user_by_email(&spec.email).await?.ok_or_else(|| {
                            SyncError::Inconsistent(format!("{} is taken, but no user has it", spec.email))
                        })?;
                        set_user(client, user, Some(&spec.name), UserState::Active).await?
                    }
                    Err(other) => return Err(other.into()),
                },
            };
            if by_external_id.is_none() {
                client.set_external_id(&user.id, &authority, employee).await?;
            }
            target.write(ObjectKind::User, employee, &user.id, &spec.name, user_hash(spec), true).await?;
        }
        Action::UpdateUser { employee, user_id, spec } | Action::ReactivateUser { employee, user_id, spec } => {
            let user = current_user(client, user_id).await?;
            set_user(client, user, Some(&spec.name), UserState::Active).await?;
            target.write(ObjectKind::User, employee, user_id, &spec.name, user_hash(spec), true).await?;
        }
        Action::DeactivateUser { employee, user_id } => {
            if let Some(user) = client.user(user_id).await? {
                set_user(client, user, None, UserState::Inactive).await?;
            }
            let key = target.mapped(ObjectKind::User, employee);
            target
                .store
                .update_with::<Mapping, _>(&key, |current| {
                    let current = current?;
                    current.active.then(|| Mapping { active: false, updated_at: target.now, ..current.clone() })
                })
                .await?;
        }
        Action::CreateQueue { group, name } => {
            let queue = match client.queue_by_name(name).await? {
                Some(queue) => queue,
                None => match client.create_queue(name, group).await {
                    Ok(queue) => queue,
                    Err(GenesysError::Api { status: 409, .. }) => {
                        client.queue_by_name(name).await?.ok_or_else(|| {
                            SyncError::Inconsistent(format!("queue name {name:?} is taken, but no queue has it"))
                        })?
                    }
                    Err(other) => return Err(other.into()),
                },
            };
            target.write(ObjectKind::Queue, group, &queue.id, name, String::new(), true).await?;
        }
        Action::CreateWrapupCode { tag, name } => {
            let code = match client.wrapup_code_by_name(name).await? {
                Some(code) => code,
                None => match client.create_wrapup_code(name).await {
                    Ok(code) => code,
                    Err(GenesysError::Api { status: 409, .. }) => {
                        client.wrapup_code_by_name(name).await?.ok_or_else(|| {
                            SyncError::Inconsistent(format!("wrap-up code {name:?} is taken, but no code has it"))
                        })?
                    }
                    Err(other) => return Err(other.into()),
                },
            };
            target.write(ObjectKind::WrapupCode, tag, &code.id, name, String::new(), true).await?;
        }
        Action::CreateSecondaryStatus { status, name, presence } => {
            let system = presence.as_str();
            let definitions = client.presence_definitions().await?;
            let existing = definitions.into_iter().find(|d| {
                !d.deactivated
                    && d.kind.as_deref() == Some("User")
                    && d.system_presence.as_deref().and_then(SystemPresence::parse) == Some(*presence)
                    && d.language_labels.values().any(|label| label == name)
            });
            let definition = match existing {
                Some(definition) => definition,
                None => client.create_presence_definition(name, system).await?,
            };
            target.write(ObjectKind::SecondaryStatus, status, &definition.id, name, String::new(), true).await?;
        }
        Action::CreateSkill { name } => {
            let skill = adopt_or_create(name, client.skill_by_name(name), || client.create_skill(name)).await?;
            target.write(ObjectKind::Skill, name, &skill.id, name, String::new(), true).await?;
        }
        Action::CreateLanguage { name } => {
            let language =
                adopt_or_create(name, client.language_by_name(name), || client.create_language(name)).await?;
            target.write(ObjectKind::Language, name, &language.id, name, String::new(), true).await?;
        }
        Action::SetLevels { what, employee, levels, removed } => {
            let (object_kind, set_kind) = what.kinds();
            let user: Option<Mapping> = target.store.get(&target.mapped(ObjectKind::User, employee)).await?;
            let user = user.ok_or_else(|| SyncError::Inconsistent(format!("employee {employee} has no user yet")))?;
            let mut ids = Vec::new();
            for name in levels.iter().map(|(name, _)| name).chain(removed) {
                let object: Option<Mapping> = target.store.get(&target.mapped(object_kind, name)).await?;
                let object = object
                    .ok_or_else(|| SyncError::Inconsistent(format!("{} {name:?} does not exist yet", what.name())))?;
                ids.push(object.genesys_id);
            }
            let (given, taken) = ids.split_at(levels.len());
            let given: Vec<(String, f64)> = given.iter().cloned().zip(levels.iter().map(|(_, level)| *level)).collect();
            match what {
                Levels::Skills => client.set_user_skills(&user.genesys_id, &given, taken).await?,
                Levels::Languages => client.set_user_languages(&user.genesys_id, &given, taken).await?,
            }
            let table: std::collections::BTreeMap<String, f64> = levels.iter().cloned().collect();
            let names: Vec<&str> = levels.iter().map(|(name, _)| name.as_str()).collect();
            target.write(set_kind, employee, &user.genesys_id, &names.join("\n"), levels_hash(&table), true).await?;
        }
        Action::AddMembers { group, employees } | Action::RemoveMembers { group, employees } => {
            let add = matches!(action, Action::AddMembers { .. });
            let queue: Option<Mapping> = target.store.get(&target.mapped(ObjectKind::Queue, group)).await?;
            let queue = queue.ok_or_else(|| SyncError::Inconsistent(format!("group {group} has no queue yet")))?;
            let mut users = Vec::new();
            for employee in employees {
                let user: Option<Mapping> = target.store.get(&target.mapped(ObjectKind::User, employee)).await?;
                users
                    .push(user.ok_or_else(|| SyncError::Inconsistent(format!("employee {employee} has no user yet")))?);
            }
            let ids: Vec<String> = users.iter().map(|u| u.genesys_id.clone()).collect();
            client.change_queue_members(&queue.genesys_id, &ids, !add).await?;
            for (employee, user) in employees.iter().zip(&users) {
                let external = member_id(group, employee);
                let genesys_id = format!("{}/{}", queue.genesys_id, user.genesys_id);
                match add {
                    true => {
                        target
                            .write(ObjectKind::Member, &external, &genesys_id, &user.name, String::new(), true)
                            .await?
                    }
                    false => target.store.delete(&target.mapped(ObjectKind::Member, &external)).await?,
                }
            }
        }
    }
    Ok(())
}

/// The object named `name` found, or made when none is. A 409 (made meanwhile by someone else)
/// stops here; the next plan adopts it.
async fn adopt_or_create<F>(
    name: &str,
    found: impl std::future::Future<Output = Result<Option<Named>, GenesysError>>,
    create: impl FnOnce() -> F,
) -> Result<Named, SyncError>
where
    F: std::future::Future<Output = Result<Named, GenesysError>>,
{
    if let Some(object) = found.await? {
        return Ok(object);
    }
    match create().await {
        Ok(object) => Ok(object),
        Err(GenesysError::Api { status: 409, .. }) => {
            Err(SyncError::Inconsistent(format!("{name:?} was made meanwhile: the next plan adopts it")))
        }
        Err(other) => Err(other.into()),
    }
}

/// The user as Genesys has it now.
async fn current_user(client: &GenesysClient, id: &str) -> Result<DirectoryUser, SyncError> {
    client.user(id).await?.ok_or_else(|| SyncError::Inconsistent(format!("user {id} is gone from Genesys Cloud")))
}

/// Gives `user` the name and state wanted, only what it has not, with its current version; a
/// 409 (the version moved meanwhile) is read again and retried once.
async fn set_user(
    client: &GenesysClient,
    user: DirectoryUser,
    name: Option<&str>,
    state: UserState,
) -> Result<DirectoryUser, SyncError> {
    let wanted = |u: &DirectoryUser| name.is_none_or(|n| u.name == n) && u.state == state;
    if wanted(&user) {
        return Ok(user);
    }
    let rename = name.filter(|n| *n != user.name);
    let restate = (user.state != state).then_some(state);
    match client.update_user(&user.id, user.version, rename, restate).await {
        Ok(user) => Ok(user),
        Err(GenesysError::Api { status: 409, .. }) => {
            let again = current_user(client, &user.id).await?;
            if wanted(&again) {
                return Ok(again);
            }
            let restate = (again.state != state).then_some(state);
            Ok(client.update_user(&again.id, again.version, name.filter(|n| *n != again.name), restate).await?)
        }
        Err(other) => Err(other.into()),
    }
}
