//! What a platform's configuration should be in Genesys Cloud: its employees as users, its
//! groups as queues with their members, its tags as wrap-up codes, its custom statuses as
//! secondary statuses, and the skills and languages the channel's scope (`[channel.ex.sync]`) gives employees, which UIS does not have. Pure, so a plan is the same whenever it is made from the same account.

use std::collections::{BTreeMap, BTreeSet};

use crate::ex::agents::{Catalogued, SystemPresence, presence_of};
pub use crate::ex::config::{SyncSettings, UserSpec, WdeSyncSettings};
use crate::uis::data_api::{Employee, EmployeeGroup, Status, Tag};

/// The desired configuration of a WDE installation: its configured agents as users.
pub fn from_wde(sync: &WdeSyncSettings) -> Desired {
    let users: BTreeMap<String, UserSpec> = sync
        .agents
        .iter()
        .map(|(agent, spec)| (agent.clone(), UserSpec { name: spec.name.clone(), email: spec.email.to_lowercase() }))
        .collect();
    let of_users = |table: &BTreeMap<String, BTreeMap<String, f64>>| {
        table.iter().filter(|(a, _)| users.contains_key(*a)).map(|(a, l)| (a.clone(), l.clone())).collect()
    };
    Desired { skills: of_users(&sync.skills), languages: of_users(&sync.languages), users, ..Desired::default() }
}

/// The desired configuration, by platform id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Desired {
    /// Employee id → user.
    pub users: BTreeMap<String, UserSpec>,
    /// Group id → queue name.
    pub queues: BTreeMap<String, String>,
    /// (group id, employee id) of every member in scope.
    pub members: BTreeSet<(String, String)>,
    /// Tag id (`name:<code>` for an extra code) → wrap-up code name.
    pub codes: BTreeMap<String, String>,
    /// Employee id → skill name → proficiency, of the users above.
    pub skills: BTreeMap<String, BTreeMap<String, f64>>,
    /// Employee id → language name → proficiency, of the users above.
    pub languages: BTreeMap<String, BTreeMap<String, f64>>,
    /// Custom status id → its name and the system presence it is a secondary status of.
    pub statuses: BTreeMap<String, (String, SystemPresence)>,
    /// What is left out, and why (an employee without an e-mail cannot be a user).
    pub left_out: Vec<String>,
}

/// What a UIS account holds.
pub struct Account<'a> {
    pub employees: &'a [Employee],
    pub groups: &'a [EmployeeGroup],
    pub tags: &'a [Tag],
    pub statuses: &'a [Status],
}

/// The desired configuration of a UIS account; `presences` are the channel's `ex.statuses`.
pub fn from_uis(account: &Account<'_>, scope: &SyncSettings, presences: &BTreeMap<String, SystemPresence>) -> Desired {
    let Account { employees, groups, tags, statuses } = *account;
    let in_scope = |list: &[u64], id: u64| list.is_empty() || list.contains(&id);
    let mut desired = Desired::default();
    for employee in employees.iter().filter(|e| in_scope(&scope.employees, e.id)) {
        match &employee.email {
            Some(email) => {
                let name = if employee.full_name.is_empty() { email.clone() } else { employee.full_name.clone() };
                desired.users.insert(employee.id.to_string(), UserSpec { name, email: email.to_lowercase() });
            }
            None => {
                desired.left_out.push(format!("employee {} has no e-mail, which a Genesys user needs", employee.id))
            }
        }
    }
    for group in groups.iter().filter(|g| in_scope(&scope.groups, g.id)) {
        let id = group.id.to_string();
        let name = if group.name.is_empty() { format!("UIS group {id}") } else { group.name.clone() };
        desired.queues.insert(id.clone(), name);
        for member in &group.members {
            let member = member.to_string();
            if desired.users.contains_key(&member) {
                desired.members.insert((id.clone(), member));
            }
        }
    }
    if scope.tags {
        for tag in tags.iter().filter(|t| !t.name.is_empty()) {
            desired.codes.insert(tag.id.to_string(), tag.name.clone());
        }
    }
    for code in &scope.extra_wrapup_codes {
        desired.codes.insert(format!("name:{code}"), code.clone());
    }
    let of_users = |table: &BTreeMap<String, BTreeMap<String, f64>>| {
        table.iter().filter(|(e, _)| desired.users.contains_key(*e)).map(|(e, l)| (e.clone(), l.clone())).collect()
    };
    desired.skills = of_users(&scope.skills);
    desired.languages = of_users(&scope.languages);
    for status in statuses.iter().filter(|s| s.mnemonic.is_none() && !s.name.is_empty()) {
        let catalogued = Catalogued { name: status.name.clone(), mnemonic: None };
        if let Some(presence) = presence_of(&catalogued, presences) {
            desired.statuses.insert(status.id.to_string(), (status.name.clone(), presence));
        }
    }
    desired
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(employees: &[u64]) -> SyncSettings {
        SyncSettings {
            employees: employees.to_vec(),
            groups: Vec::new(),
            tags: true,
            extra_wrapup_codes: vec!["Callback".into()],
            division: None,
            interval_seconds: 300,
            skills: BTreeMap::from([
                ("1".into(), BTreeMap::from([("Sales".into(), 4.0)])),
                ("2".into(), BTreeMap::new()),
            ]),
            languages: BTreeMap::new(),
        }
    }

    #[test]
    fn the_desired_state_keeps_the_scope_and_leaves_out_who_cannot_be_a_user() {
        let employee =
            |id, email: Option<&str>| Employee { id, full_name: format!("E {id}"), email: email.map(Into::into) };
        let employees = [employee(1, Some("A@x.example")), employee(2, None), employee(3, Some("c@x.example"))];
        let groups = [EmployeeGroup { id: 10, name: "Sales".into(), members: vec![1, 2, 3] }];
        let tags = [Tag { id: 5, name: "Delivery".into() }];
        let statuses = [
            Status { id: 7, name: "Обед".into(), mnemonic: None },
            Status { id: 2, name: "Перерыв".into(), mnemonic: Some("break".into()) },
        ];
        let account = Account { employees: &employees, groups: &groups, tags: &tags, statuses: &statuses };
        let desired = from_uis(&account, &scope(&[1, 2]), &BTreeMap::new());
        assert_eq!(desired.users.keys().collect::<Vec<_>>(), ["1"]);
        assert_eq!(desired.users["1"].email, "a@x.example");
        assert_eq!(desired.members, BTreeSet::from([("10".to_owned(), "1".to_owned())]));
        assert_eq!(desired.left_out.len(), 1, "employee 2 has no e-mail");
        assert_eq!(desired.codes.values().collect::<Vec<_>>(), ["Delivery", "Callback"]);
        assert_eq!(desired.skills.keys().collect::<Vec<_>>(), ["1"], "only of users");
        assert_eq!(
            desired.statuses,
            BTreeMap::from([("7".into(), ("Обед".into(), SystemPresence::Busy))]),
            "custom ones"
        );
    }
}
