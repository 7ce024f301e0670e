//! The plan: what must change in Genesys Cloud for it to hold the desired configuration, object
//! by object, from the desired state and the mapping table alone (pure). The rules of Genesys's
//! own connector: a person removed from the platform makes the user inactive, never deleted, and
//! a re-created one active again; a removed group keeps its queue but loses its members; a
//! removed member leaves the queue; wrap-up codes, skills and languages are never deleted.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::desired::{Desired, UserSpec};
use super::mapping::{Mappings, ObjectKind, hash};
use crate::ex::agents::SystemPresence;

/// One change.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    CreateUser {
        employee: String,
        spec: UserSpec,
    },
    UpdateUser {
        employee: String,
        user_id: String,
        spec: UserSpec,
    },
    ReactivateUser {
        employee: String,
        user_id: String,
        spec: UserSpec,
    },
    DeactivateUser {
        employee: String,
        user_id: String,
    },
    CreateQueue {
        group: String,
        name: String,
    },
    CreateWrapupCode {
        tag: String,
        name: String,
    },
    /// After the users and queues they name exist.
    AddMembers {
        group: String,
        employees: Vec<String>,
    },
    RemoveMembers {
        group: String,
        employees: Vec<String>,
    },
    CreateSkill {
        name: String,
    },
    CreateSecondaryStatus {
        status: String,
        name: String,
        presence: SystemPresence,
    },
    CreateLanguage {
        name: String,
    },
    /// An employee's skills (or languages) set to `levels`; `removed` are taken away.
    SetLevels {
        what: Levels,
        employee: String,
        levels: Vec<(String, f64)>,
        removed: Vec<String>,
    },
}

/// Skills or languages: what an employee is given with a proficiency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Levels {
    Skills,
    Languages,
}

impl Levels {
    pub fn name(self) -> &'static str {
        match self {
            Self::Skills => "skills",
            Self::Languages => "languages",
        }
    }

    /// The mapping kind of the object, and of an employee's set.
    pub fn kinds(self) -> (ObjectKind, ObjectKind) {
        match self {
            Self::Skills => (ObjectKind::Skill, ObjectKind::UserSkills),
            Self::Languages => (ObjectKind::Language, ObjectKind::UserLanguages),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CreateUser { employee, spec } => {
                write!(f, "create user {:?} <{}> (employee {employee})", spec.name, spec.email)
            }
            Self::UpdateUser { employee, spec, .. } => write!(f, "update user {:?} (employee {employee})", spec.name),
            Self::ReactivateUser { employee, spec, .. } => {
                write!(f, "reactivate user {:?} (employee {employee})", spec.name)
            }
            Self::DeactivateUser { employee, user_id } => {
                write!(f, "deactivate user {user_id} (employee {employee} left)")
            }
            Self::CreateQueue { group, name } => write!(f, "create queue {name:?} (group {group})"),
            Self::CreateWrapupCode { tag, name } => write!(f, "create wrap-up code {name:?} (tag {tag})"),
            Self::AddMembers { group, employees } => {
                write!(f, "membership added: queue of group {group} + employees {}", employees.join(", "))
            }
            Self::RemoveMembers { group, employees } => {
                write!(f, "membership removed: queue of group {group} - employees {}", employees.join(", "))
            }
            Self::CreateSkill { name } => write!(f, "create skill {name:?}"),
            Self::CreateSecondaryStatus { status, name, presence } => {
                write!(f, "create secondary status {name:?} under {} (status {status})", presence.as_str())
            }
            Self::CreateLanguage { name } => write!(f, "create language {name:?}"),
            Self::SetLevels { what, employee, levels, removed } => {
                let levels: Vec<String> = levels.iter().map(|(name, level)| format!("{name} {level}")).collect();
                write!(f, "set {} of employee {employee}: {}", what.name(), levels.join(", "))?;
                if !removed.is_empty() {
                    write!(f, "; removed {}", removed.join(", "))?;
                }
                Ok(())
            }
        }
    }
}

/// The hash a user mapping keeps: what an update would change.
pub fn user_hash(spec: &UserSpec) -> String {
    hash(&[&spec.name])
}

/// The changes from what `mappings` say was written to `desired`, in the order they can be
/// made: objects first, memberships after.
pub fn plan(desired: &Desired, mappings: &Mappings) -> Vec<Action> {
    let mut actions = Vec::new();
    for (employee, spec) in &desired.users {
        match mappings.get(ObjectKind::User, employee) {
            None => actions.push(Action::CreateUser { employee: employee.clone(), spec: spec.clone() }),
            Some(m) if !m.active => actions.push(Action::ReactivateUser {
                employee: employee.clone(),
                user_id: m.genesys_id.clone(),
                spec: spec.clone(),
            }),
            Some(m) if m.hash != user_hash(spec) => actions.push(Action::UpdateUser {
                employee: employee.clone(),
                user_id: m.genesys_id.clone(),
                spec: spec.clone(),
            }),
            Some(_) => {}
        }
    }
    for m in mappings.of(ObjectKind::User) {
        if !desired.users.contains_key(&m.external_id) {
            actions.push(Action::DeactivateUser { employee: m.external_id.clone(), user_id: m.genesys_id.clone() });
        }
    }
    for (group, name) in &desired.queues {
        if mappings.get(ObjectKind::Queue, group).is_none() {
            actions.push(Action::CreateQueue { group: group.clone(), name: name.clone() });
        }
    }
    for (tag, name) in &desired.codes {
        if mappings.get(ObjectKind::WrapupCode, tag).is_none() {
            actions.push(Action::CreateWrapupCode { tag: tag.clone(), name: name.clone() });
        }
    }
    let mut added: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (group, employee) in &desired.members {
        if mappings.get(ObjectKind::Member, &member_id(group, employee)).is_none_or(|m| !m.active) {
            added.entry(group).or_default().push(employee.clone());
        }
    }
    let mut removed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for m in mappings.of(ObjectKind::Member) {
        if let Some((group, employee)) = m.external_id.split_once('/')
            && !desired.members.contains(&(group.to_owned(), employee.to_owned()))
        {
            removed.entry(group.to_owned()).or_default().push(employee.to_owned());
        }
    }
    for (status, (name, presence)) in &desired.statuses {
        if mappings.get(ObjectKind::SecondaryStatus, status).is_none() {
            actions.push(Action::CreateSecondaryStatus {
                status: status.clone(),
                name: name.clone(),
                presence: *presence,
            });
        }
    }
    for (what, table) in [(Levels::Skills, &desired.skills), (Levels::Languages, &desired.languages)] {
        let (object, _) = what.kinds();
        let names: BTreeSet<&String> = table.values().flat_map(BTreeMap::keys).collect();
        for name in names {
            if mappings.get(object, name).is_none() {
                actions.push(match what {
                    Levels::Skills => Action::CreateSkill { name: name.clone() },
                    Levels::Languages => Action::CreateLanguage { name: name.clone() },
                });
            }
        }
    }
    actions
        .extend(added.into_iter().map(|(group, employees)| Action::AddMembers { group: group.to_owned(), employees }));
    actions.extend(removed.into_iter().map(|(group, employees)| Action::RemoveMembers { group, employees }));
    for (what, table) in [(Levels::Skills, &desired.skills), (Levels::Languages, &desired.languages)] {
        let (_, set) = what.kinds();
        for (employee, levels) in table {
            let written = mappings.get(set, employee);
            if written.is_some_and(|m| m.hash == levels_hash(levels)) {
                continue;
            }
            let before: Vec<&str> = written.map(|m| m.name.lines().collect()).unwrap_or_default();
            let removed = before.into_iter().filter(|n| !levels.contains_key(*n)).map(str::to_owned).collect();
            let levels = levels.iter().map(|(name, level)| (name.clone(), *level)).collect();
            actions.push(Action::SetLevels { what, employee: employee.clone(), levels, removed });
        }
    }
    actions
}

/// The hash an employee's skills or languages mapping keeps.
pub fn levels_hash(levels: &BTreeMap<String, f64>) -> String {
    let parts: Vec<String> = levels.iter().map(|(name, level)| format!("{name}={level}")).collect();
    hash(&parts.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The external id of a membership.
pub fn member_id(group: &str, employee: &str) -> String {
    format!("{group}/{employee}")
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::super::mapping::Mapping;
    use super::*;
    use crate::config::common::ChannelId;

    fn spec(name: &str) -> UserSpec {
        UserSpec { name: name.to_owned(), email: format!("{}@x.example", name.to_lowercase()) }
    }

    fn mapped(kind: ObjectKind, external: &str, hash: &str, active: bool) -> ((ObjectKind, String), Mapping) {
        let id = |s: &str| ChannelId::try_from(s.to_owned()).expect("id");
        let mapping = Mapping {
            genesys: id("gc"),
            platform: id("uis"),
            kind,
            external_id: external.to_owned(),
            genesys_id: format!("g-{external}"),
            name: String::new(),
            hash: hash.to_owned(),
            active,
            updated_at: datetime!(2026-12-01 00:00 UTC),
        };
        ((kind, external.to_owned()), mapping)
    }

    #[test]
    fn a_plan_creates_updates_deactivates_and_moves_members() {
        let mut desired = Desired::default();
        desired.users.insert("1".into(), spec("Anna"));
        desired.users.insert("2".into(), spec("Boris"));
        desired.users.insert("4".into(), spec("Dina"));
        desired.queues.insert("10".into(), "Sales".into());
        desired.members.insert(("10".into(), "1".into()));
        desired.members.insert(("10".into(), "2".into()));
        let mappings = Mappings(
            [
                mapped(ObjectKind::User, "1", &user_hash(&spec("Anna")), true),
                mapped(ObjectKind::User, "2", "old", true),
                mapped(ObjectKind::User, "3", "x", true),
                mapped(ObjectKind::User, "4", &user_hash(&spec("Dina")), false),
                mapped(ObjectKind::Queue, "10", "", true),
                mapped(ObjectKind::Member, "10/1", "", true),
                mapped(ObjectKind::Member, "10/3", "", true),
            ]
            .into(),
        );
        let actions = plan(&desired, &mappings);
        assert_eq!(
            actions,
            [
                Action::UpdateUser { employee: "2".into(), user_id: "g-2".into(), spec: spec("Boris") },
                Action::ReactivateUser { employee: "4".into(), user_id: "g-4".into(), spec: spec("Dina") },
                Action::DeactivateUser { employee: "3".into(), user_id: "g-3".into() },
                Action::AddMembers { group: "10".into(), employees: vec!["2".into()] },
                Action::RemoveMembers { group: "10".into(), employees: vec!["3".into()] },
            ]
        );
    }

    #[test]
    fn nothing_to_do_is_an_empty_plan() {
        assert!(plan(&Desired::default(), &Mappings::default()).is_empty());
    }
}
