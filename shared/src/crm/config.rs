//! A channel's `[channel.crm]` settings: how its provider's fields fill the CRM's records
//! ([`FieldMap`]), the wrap-up codes its agents choose from, and which interactions open a
//! case. UIS, WDE and chatbot channels take them alike; the mapping checks itself when it is
//! read, the rest in [`CrmSettings::validate`].

use std::collections::HashSet;

use serde::Deserialize;

use super::mapping::{Condition, FieldMap, Fields, Template};
use crate::config::common::ConfigError;

/// The longest case rule name and wrap-up code, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// The longest wrap-up label, in characters.
pub const MAX_LABEL_CHARS: usize = 200;

/// `[channel.crm]`: every field optional, so a channel without it maps nothing.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CrmSettings {
    /// `[[channel.crm.map]]`: the field-mapping rules (see [`super::mapping`]).
    pub map: FieldMap,
    /// `[[channel.crm.wrapup_codes]]`: the codes an interaction may be closed with.
    pub wrapup_codes: Vec<WrapupCode>,
    /// `[[channel.crm.cases]]`: the interactions that open a case.
    pub cases: Vec<CaseRule>,
}

/// A wrap-up code as the provider sends it, with the label the CRM shows.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrapupCode {
    pub code: String,
    pub label: String,
}

/// Opens the case `name` for an interaction whose fields meet every condition of `when`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseRule {
    /// Unique in the channel: what tells its cases apart.
    pub name: String,
    pub when: Vec<Condition>,
    /// The new case's subject; without it the opener chooses one.
    #[serde(default)]
    pub subject: Option<Template>,
}

impl CrmSettings {
    /// The wrap-up code `code`, if the channel declares it.
    pub fn wrapup(&self, code: &str) -> Option<&WrapupCode> {
        self.wrapup_codes.iter().find(|w| w.code == code)
    }

    /// The rules every condition of which holds for `fields` (an empty `when` never opens a case).
    pub fn cases_for<'a>(&'a self, fields: &'a Fields) -> impl Iterator<Item = &'a CaseRule> + 'a {
        self.cases.iter().filter(move |rule| !rule.when.is_empty() && rule.when.iter().all(|c| c.holds(fields)))
    }

    /// What the mapping's own parse does not check; `at` names a field of the channel, as in
    /// [`crate::config::Settings::validate`] (`channel[0].crm.cases[1].name`).
    pub fn validate(&self, at: &dyn Fn(&str) -> String) -> Result<(), ConfigError> {
        let mut names = HashSet::new();
        for (i, rule) in self.cases.iter().enumerate() {
            let field = |name: &str| at(&format!("crm.cases[{i}].{name}"));
            if !within(&rule.name, MAX_NAME_CHARS) {
                return Err(ConfigError::invalid(field("name"), format!("must be 1 to {MAX_NAME_CHARS} characters")));
            }
            if !names.insert(rule.name.as_str()) {
                return Err(ConfigError::invalid(
                    field("name"),
                    format!("case rule {:?} is declared twice", rule.name),
                ));
            }
            if rule.when.is_empty() {
                return Err(ConfigError::invalid(
                    field("when"),
                    format!("case rule {:?} needs at least one condition", rule.name),
                ));
            }
        }
        let mut codes = HashSet::new();
        for (i, wrapup) in self.wrapup_codes.iter().enumerate() {
            let field = |name: &str| at(&format!("crm.wrapup_codes[{i}].{name}"));
            if !within(&wrapup.code, MAX_NAME_CHARS) {
                return Err(ConfigError::invalid(field("code"), format!("must be 1 to {MAX_NAME_CHARS} characters")));
            }
            if !codes.insert(wrapup.code.as_str()) {
                return Err(ConfigError::invalid(field("code"), format!("code {:?} is declared twice", wrapup.code)));
            }
            if !within(&wrapup.label, MAX_LABEL_CHARS) {
                return Err(ConfigError::invalid(field("label"), format!("must be 1 to {MAX_LABEL_CHARS} characters")));
            }
        }
        Ok(())
    }
}

/// Not blank, and at most `max` characters.
fn within(text: &str, max: usize) -> bool {
    !text.trim().is_empty() && text.chars().count() <= max
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Channel, Config};

    const UIS: &str = "[[channel]]\nkind = \"uis\"\nid = \"uis-main\"\ntoken = \"uis-token-123456\"\napi_key = \"uis-api-key-123456\"\n";
    const WDE: &str = "[[channel]]\nkind=\"wde\"\nid=\"wde\"\napi_key=\"wdeApiKey0123456789\"\ncard_secret=\"0123456789abcdef0123456789abcdef\"\n";

    const CRM: &str = r#"
        [[channel.crm.map]]
        to = "activity.subject"
        template = "Inbound call from {contact_full_name} to {virtual_phone_number}"

        [[channel.crm.map]]
        to = "case.queue"
        from = "ivr_option"
        transform = [{ labels = { "1" = "Sales", "2" = "Support" } }]
        when = [{ field = "ivr_option", matches = "^[0-9]$" }]

        [[channel.crm.wrapup_codes]]
        code = "sale"
        label = "Sale"

        [[channel.crm.wrapup_codes]]
        code = "no_answer"
        label = "No answer"

        [[channel.crm.cases]]
        name = "support"
        when = [{ field = "ivr_option", equals = "2" }]
        subject = "Support request from {contact_full_name}"

        [[channel.crm.cases]]
        name = "vip-support"
        when = [{ field = "ivr_option", equals = "2" }, { field = "customer_segment", equals = "vip" }]

        [[channel.crm.cases]]
        name = "sales"
        when = [{ field = "ivr_option", equals = "1" }]
    "#;

    fn crm_of(doc: &str) -> CrmSettings {
        match Config::parse(doc).expect("valid").into_channels().remove(0) {
            Channel::Uis(uis) => uis.crm,
            Channel::Wde(wde) => wde.crm,
            Channel::Chatbot(bot) => bot.crm,
            _ => panic!("a channel with crm settings"),
        }
    }

    fn error_of(doc: &str) -> String {
        Config::parse(doc).expect_err("invalid").to_string()
    }

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_channel_declares_its_mapping_codes_and_cases() {
        let crm = crm_of(&format!("{UIS}{CRM}"));
        let call =
            fields(&[("ivr_option", "2"), ("contact_full_name", "Anna"), ("virtual_phone_number", "74950000000")]);
        let country = crate::phone::Country::parse("RU").expect("RU");
        let mapped = crm.map.apply(&call, country);
        assert_eq!(mapped.activity["subject"], "Inbound call from Anna to 74950000000");
        assert_eq!(mapped.case["queue"], "Support");
        assert_eq!(crm.wrapup("sale").map(|w| w.label.as_str()), Some("Sale"));
        assert!(crm.wrapup("Sale").is_none());
        let subject = crm.cases_for(&call).find_map(|rule| rule.subject.as_ref()).expect("subject");
        assert_eq!(subject.render(&call), "Support request from Anna");
        assert!(crm_of(UIS).map.is_empty(), "a channel without [channel.crm] maps nothing");
        assert!(!crm_of(&format!("{WDE}{CRM}")).map.is_empty());
    }

    #[test]
    fn cases_for_picks_the_rules_whose_conditions_all_hold() {
        let crm = crm_of(&format!("{UIS}{CRM}"));
        let names = |pairs: &[(&str, &str)]| {
            let fields = fields(pairs);
            crm.cases_for(&fields).map(|rule| rule.name.clone()).collect::<Vec<_>>()
        };
        assert_eq!(names(&[("ivr_option", "2")]), ["support"]);
        assert_eq!(names(&[("ivr_option", "2"), ("customer_segment", "vip")]), ["support", "vip-support"]);
        assert_eq!(names(&[("ivr_option", "1"), ("customer_segment", "vip")]), ["sales"]);
        assert!(names(&[("customer_segment", "vip")]).is_empty());
        let unconditional = CrmSettings {
            cases: vec![CaseRule { name: "all".into(), when: Vec::new(), subject: None }],
            ..CrmSettings::default()
        };
        assert_eq!(unconditional.cases_for(&Fields::new()).count(), 0, "an empty `when` opens nothing");
    }

    #[test]
    fn errors_name_the_rule_and_its_field() {
        let with_rule = |rule: &str| {
            format!("{UIS}{CRM}").replacen(
                "[[channel.crm.map]]",
                &format!("[[channel.crm.map]]\n{rule}\n[[channel.crm.map]]"),
                1,
            )
        };
        let cases = [
            (
                "to = \"case.x\"\nfrom = \"a\"\nwhen = [{ field = \"a\", matches = \"(unclosed\" }]",
                "channel[0].crm.map[0].when[0].matches",
                "regular expression",
            ),
            ("to = \"deal.amount\"\nfrom = \"a\"", "channel[0].crm.map[0].to", "deal.amount"),
            ("to = \"case.x\"\nfrom = \"a\"\ntemplate = \"{a}\"", "channel[0].crm.map[0]`", "found from and template"),
            (
                "to = \"case.x\"\nfrom = \"a\"\ntransform = [\"reverse\"]",
                "channel[0].crm.map[0].transform[0]",
                "reverse",
            ),
            ("to = \"case.x\"\ntemplate = \"{a\"", "channel[0].crm.map[0].template", "not closed"),
            ("to = \"case.x\"\ntemplate = \"{}\"", "channel[0].crm.map[0].template", "names no field"),
            (
                "to = \"case.x\"\nfrom = \"a\"\nwhen = [{ field = \"a\" }]",
                "channel[0].crm.map[0].when[0]",
                "exactly one",
            ),
        ];
        for (rule, field, says) in cases {
            let msg = error_of(&with_rule(rule));
            assert!(msg.contains(field) && msg.contains(says), "{rule}: {msg}");
        }
        // The second rule of the document's own list is map[1].
        let second = format!("{UIS}{CRM}").replace("from = \"ivr_option\"", "from = \"ivr_option\"\nvalue = \"x\"");
        let msg = error_of(&second);
        assert!(msg.contains("channel[0].crm.map[1]") && msg.contains("exactly one"), "{msg}");
        let after_wde = format!("{WDE}{UIS}{CRM}").replace("to = \"case.queue\"", "to = \"case.Queue\"");
        assert!(error_of(&after_wde).contains("channel[1].crm.map[1].to"));
        let unknown = format!("{UIS}[channel.crm]\nmaps = []\n");
        assert!(error_of(&unknown).contains("channel[0].crm") && error_of(&unknown).contains("maps"));
        let many = format!("{UIS}{}", "[[channel.crm.map]]\nto = \"case.a\"\nvalue = \"v\"\n".repeat(101));
        let msg = error_of(&many);
        assert!(msg.contains("channel[0].crm.map") && msg.contains("at most 100"), "{msg}");
    }

    #[test]
    fn case_rules_and_wrapup_codes_are_unique_and_bounded() {
        let doc = format!("{UIS}{CRM}");
        let cases = [
            (doc.replace("name = \"sales\"", "name = \"support\""), "channel[0].crm.cases[2].name", "twice"),
            (
                doc.replace("name = \"sales\"", &format!("name = \"{}\"", "s".repeat(65))),
                "crm.cases[2].name",
                "1 to 64",
            ),
            (
                doc.replace("when = [{ field = \"ivr_option\", equals = \"1\" }]", "when = []"),
                "crm.cases[2].when",
                "condition",
            ),
            (doc.replace("code = \"no_answer\"", "code = \"sale\""), "channel[0].crm.wrapup_codes[1].code", "twice"),
            (doc.replace("code = \"no_answer\"", "code = \" \""), "crm.wrapup_codes[1].code", "1 to 64"),
            (
                doc.replace("label = \"Sale\"", &format!("label = \"{}\"", "l".repeat(201))),
                "crm.wrapup_codes[0].label",
                "200",
            ),
        ];
        for (doc, field, says) in cases {
            let msg = error_of(&doc);
            assert!(msg.contains(field) && msg.contains(says), "{field}: {msg}");
        }
        let missing_when = format!("{UIS}[[channel.crm.cases]]\nname = \"x\"\n");
        assert!(error_of(&missing_when).contains("channel[0].crm.cases[0]"));
    }
}
