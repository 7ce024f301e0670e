//! The three webservice methods and their requests, parsed from [`Fields`] into domain types
//! with the reference's sanitizers. What the contract does not name is kept as attached data.

use std::collections::BTreeMap;

use serde_json::Value;
use time::OffsetDateTime;

use super::fields::{Fields, not_allowed};
use super::media::MediaType;
use crate::ApiError;
use crate::crm::contact::Decision;
use crate::crm::ids::{Email, MessengerId, TaxId};
use crate::phone::{Country, PhoneNumber};

/// A webservice method (the last path segment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    RegisterInteraction,
    UpdateInteraction,
    RegisterInteractionCampaign,
}

impl Method {
    /// The method of a path segment; others are YetiForce's 404 `Method Not Found`.
    pub fn parse(name: &str) -> Result<Self, ApiError> {
        match name {
            "registerInteraction" => Ok(Self::RegisterInteraction),
            "updateInteraction" => Ok(Self::UpdateInteraction),
            "registerInteractionCampaign" => Ok(Self::RegisterInteractionCampaign),
            _ => Err(ApiError::NotFound("Method Not Found".into())),
        }
    }
}

/// The agent ids of a request: `TransferAgentID` is tried before `AgentID`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Agent {
    pub agent_id: Option<String>,
    pub transfer_agent_id: Option<String>,
}

impl Agent {
    fn read(fields: &Fields) -> Result<Self, ApiError> {
        Ok(Self { agent_id: fields.text("AgentID")?, transfer_agent_id: fields.text("TransferAgentID")? })
    }

    /// The id the operator is looked up by.
    pub fn effective(&self) -> Option<&str> {
        self.transfer_agent_id.as_deref().or(self.agent_id.as_deref())
    }
}

/// Who the customer is, as far as the request says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Customer {
    pub email: Option<Email>,
    pub phone: Option<PhoneNumber>,
    pub messenger_id: Option<MessengerId>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub tax_id: Option<TaxId>,
    pub token: Option<String>,
}

/// One IVR consent decision (`CustomerAgreements` entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    pub name: String,
    pub decision: Decision,
}

/// What both registration methods name: the interaction, its media and how it was placed.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub genesys_id: String,
    /// `MediaType` as WDE sent it, and as a known media type if it is one.
    pub media_type: String,
    pub media: Option<MediaType>,
    pub outbound_call_id: Option<String>,
    pub service_type: Option<String>,
    pub service_value: Option<String>,
    pub dialed_number: Option<String>,
}

impl Registration {
    fn read(fields: &Fields) -> Result<Self, ApiError> {
        let media_type = required(fields.alnum_extended("MediaType")?, "MediaType")?;
        Ok(Self {
            genesys_id: required(fields.alnum("GenesysIDInteraction")?, "GenesysIDInteraction")?,
            media: MediaType::parse(&media_type),
            media_type,
            outbound_call_id: fields.alnum("OutboundCallID")?,
            service_type: fields.text("ServiceType")?,
            service_value: fields.text("ServiceValue")?,
            dialed_number: fields.text("DialedNumber")?,
        })
    }
}

/// `registerInteraction`.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterInteraction {
    pub registration: Registration,
    pub started_at: OffsetDateTime,
    pub queue_name: Option<String>,
    pub queue_time: Option<i64>,
    pub customer: Customer,
    pub agent: Agent,
    pub source_crm_id: Option<i64>,
    pub previous_crm_id: Option<i64>,
    pub agreements: Vec<Agreement>,
    pub attached: BTreeMap<String, Value>,
}

/// `updateInteraction`.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateInteraction {
    pub crm_id: Option<i64>,
    pub genesys_id: Option<String>,
    pub ended_at: Option<OffsetDateTime>,
    pub handle_time: Option<i64>,
    pub status: Option<String>,
    pub personal_callback: Option<String>,
    pub result: Option<String>,
    /// The wrap-up the agent chose (`DispositionCode`).
    pub disposition_code: Option<String>,
    pub session_id: Option<String>,
    pub agent: Agent,
    pub attached: BTreeMap<String, Value>,
}

/// `registerInteractionCampaign`.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterCampaign {
    pub registration: Registration,
    pub started_at: Option<OffsetDateTime>,
    pub ended_at: Option<OffsetDateTime>,
    pub customer: Customer,
    pub agent: Agent,
    pub attached: BTreeMap<String, Value>,
}

/// The fields of `registerInteraction`, as YetiForce names them; others are attached data.
pub const REGISTER_FIELDS: &[&str] = &[
    "GenesysIDInteraction",
    "OutboundCallID",
    "QueueName",
    "QueueTime",
    "ServiceType",
    "ServiceValue",
    "DialedNumber",
    "CustomerEmail",
    "CustomerPhoneNumber",
    "FacebookActorID",
    "FacebookActorName",
    "CustomerContactName",
    "CustomerContactLastName",
    "CustomerNIP",
    "CustomerToken",
    "CustomerAgreements",
    "AgentName",
    "AgentID",
    "TransferAgentID",
    "MediaType",
    "CRMPreviewInteractionID",
    "InteractionStartDateTime",
    "CRMSourceID",
];

/// The fields of `updateInteraction`.
pub const UPDATE_FIELDS: &[&str] = &[
    "CRMInteractionID",
    "GenesysIDInteraction",
    "InteractionEndDateTime",
    "InteractionHandleTime",
    "StatusInteraction",
    "PersonalCallback",
    "CallResult",
    "TransferAgentID",
    "AgentID",
    "SessionID",
    "DispositionCode",
    "AgentName",
    "TransferAgentName",
    "CRMPreviousInteractionID",
];

/// The fields of `registerInteractionCampaign`.
pub const CAMPAIGN_FIELDS: &[&str] = &[
    "MediaType",
    "ServiceType",
    "ServiceValue",
    "GenesysIDInteraction",
    "OutboundCallID",
    "DialedNumber",
    "CustomerEMail",
    "CustomerNIP",
    "TemplateCRMID",
    "InteractionStartDateTime",
    "InteractionEndDateTime",
    "AgentID",
    "TransferAgentID",
    "SessionID",
];

fn required<T>(value: Option<T>, field: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::bad_request("missing_field", format!("{field} is required")))
}

/// YetiForce's `getPhone`: `AlnumType2`, `anonymous` is no number, anything else must be a
/// valid number (404 `Invalid phone number: <field>`), stored in E.164.
fn phone(fields: &Fields, key: &str, country: Country) -> Result<Option<PhoneNumber>, ApiError> {
    match fields.alnum_type2(key)? {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("anonymous") => Ok(None),
        Some(v) => PhoneNumber::parse(&v, country)
            .map(Some)
            .map_err(|_| ApiError::NotFound(format!("Invalid phone number: {key}"))),
    }
}

fn email(fields: &Fields, key: &str) -> Result<Option<Email>, ApiError> {
    fields.text(key)?.map(|v| Email::parse(&v).ok_or_else(|| not_allowed(key))).transpose()
}

fn tax_id(fields: &Fields) -> Result<Option<TaxId>, ApiError> {
    fields.text("CustomerNIP")?.map(|v| TaxId::parse(&v).ok_or_else(|| not_allowed("CustomerNIP"))).transpose()
}

/// `CustomerAgreements`: a JSON array (or a JSON string holding one) of `{"Name","Value"}`,
/// every name `[A-Za-z0-9_]`, every value 0 or 1; anything else is 406.
fn agreements(fields: &Fields) -> Result<Vec<Agreement>, ApiError> {
    const FIELD: &str = "CustomerAgreements";
    let parsed;
    let list = match fields.value(FIELD) {
        None => return Ok(Vec::new()),
        Some(Value::String(text)) => {
            parsed = serde_json::from_str::<Value>(text).map_err(|_| not_allowed(FIELD))?;
            &parsed
        }
        Some(other) => other,
    };
    let Value::Array(items) = list else { return Err(not_allowed(FIELD)) };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = |k: &str| not_allowed(&format!("{FIELD}[{i}].{k}"));
            let name = item.get("Name").and_then(Value::as_str).ok_or_else(|| at("Name"))?;
            if name.is_empty() || name.len() > 100 || !name.chars().all(super::fields::is_alnum) {
                return Err(at("Name"));
            }
            let decision = match item.get("Value") {
                Some(Value::Number(n)) if n.as_i64() == Some(1) => Decision::Accepted,
                Some(Value::Number(n)) if n.as_i64() == Some(0) => Decision::Resigned,
                Some(Value::String(s)) if s == "1" => Decision::Accepted,
                Some(Value::String(s)) if s == "0" => Decision::Resigned,
                _ => return Err(at("Value")),
            };
            Ok(Agreement { name: name.to_owned(), decision })
        })
        .collect()
}

fn messenger_id(fields: &Fields) -> Result<Option<MessengerId>, ApiError> {
    fields
        .alnum("FacebookActorID")?
        .map(|v| MessengerId::parse(&v).ok_or_else(|| not_allowed("FacebookActorID")))
        .transpose()
}

impl RegisterInteraction {
    /// Reads the request; `country` is the region of numbers without a country code.
    pub fn parse(fields: &Fields, country: Country) -> Result<Self, ApiError> {
        Ok(Self {
            registration: Registration::read(fields)?,
            started_at: required(fields.past_date_time("InteractionStartDateTime")?, "InteractionStartDateTime")?,
            queue_name: fields.text("QueueName")?,
            queue_time: fields.integer("QueueTime")?,
            customer: Customer {
                email: email(fields, "CustomerEmail")?,
                phone: phone(fields, "CustomerPhoneNumber", country)?,
                messenger_id: messenger_id(fields)?,
                first_name: fields.text("CustomerContactName")?,
                last_name: fields.text("CustomerContactLastName")?,
                tax_id: tax_id(fields)?,
                token: fields.alnum_extended("CustomerToken")?,
            },
            agent: Agent::read(fields)?,
            source_crm_id: fields.integer("CRMSourceID")?,
            previous_crm_id: fields.integer("CRMPreviewInteractionID")?,
            agreements: agreements(fields)?,
            attached: fields.rest(REGISTER_FIELDS),
        })
    }
}

impl UpdateInteraction {
    pub fn parse(fields: &Fields) -> Result<Self, ApiError> {
        Ok(Self {
            crm_id: fields.integer("CRMInteractionID")?,
            genesys_id: fields.alnum("GenesysIDInteraction")?,
            ended_at: fields.date_time("InteractionEndDateTime")?,
            handle_time: fields.integer("InteractionHandleTime")?,
            status: fields.text("StatusInteraction")?,
            personal_callback: fields.text("PersonalCallback")?,
            result: fields.text("CallResult")?,
            disposition_code: fields.text("DispositionCode")?,
            session_id: fields.text("SessionID")?,
            agent: Agent::read(fields)?,
            attached: fields.rest(UPDATE_FIELDS),
        })
    }
}

impl RegisterCampaign {
    pub fn parse(fields: &Fields, country: Country) -> Result<Self, ApiError> {
        Ok(Self {
            registration: Registration::read(fields)?,
            started_at: fields.past_date_time("InteractionStartDateTime")?,
            ended_at: fields.date_time("InteractionEndDateTime")?,
            customer: Customer {
                email: email(fields, "CustomerEMail")?,
                phone: phone(fields, "DialedNumber", country)?,
                tax_id: tax_id(fields)?,
                ..Customer::default()
            },
            agent: Agent::read(fields)?,
            attached: fields.rest(CAMPAIGN_FIELDS),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pl() -> Country {
        Country::parse("PL").expect("PL")
    }

    fn fields(json: &str) -> Fields {
        Fields::parse(Some("application/json"), json.as_bytes(), vec![]).expect("fields")
    }

    const SAMPLE: &str = r#"{"GenesysIDInteraction":"00047aHK833X02TB","MediaType":"voice in",
        "InteractionStartDateTime":"2022-11-08T14:54:55.9895353Z","AgentID":"agent01",
        "CustomerPhoneNumber":"884 998 123","CustomerEmail":"Test@YetiForce.com","QueueName":"Sales","QueueTime":122,
        "CRMSourceID":4475,"CustomerAgreements":[{"Name":"RODO","Value":1},{"Name":"RODO_phone","Value":"0"}],
        "IVRSurvey":{"q1":5},"Language":"pl"}"#;

    #[test]
    fn the_reference_sample_parses_into_domain_types() {
        let req = RegisterInteraction::parse(&fields(SAMPLE), pl()).expect("valid");
        assert_eq!(req.registration.genesys_id, "00047aHK833X02TB");
        assert_eq!(req.registration.media, Some(MediaType::VoiceIn));
        assert_eq!(req.customer.phone.as_ref().map(PhoneNumber::as_str), Some("+48884998123"));
        assert_eq!(req.customer.email.as_ref().map(Email::as_str), Some("test@yetiforce.com"));
        assert_eq!(req.queue_time, Some(122));
        assert_eq!(req.source_crm_id, Some(4475));
        assert_eq!(
            req.agreements,
            vec![
                Agreement { name: "RODO".into(), decision: Decision::Accepted },
                Agreement { name: "RODO_phone".into(), decision: Decision::Resigned },
            ]
        );
        assert_eq!(req.attached.keys().collect::<Vec<_>>(), ["IVRSurvey", "Language"]);
        assert_eq!(req.agent.effective(), Some("agent01"));
    }

    #[test]
    fn agreements_may_come_as_a_json_string() {
        let req = RegisterInteraction::parse(
            &fields(r#"{"GenesysIDInteraction":"a1","MediaType":"chat","InteractionStartDateTime":"2022-11-08 10:00:00","CustomerAgreements":"[{\"Name\":\"RODO\",\"Value\":0}]"}"#),
            pl(),
        )
        .expect("valid");
        assert_eq!(req.agreements[0].decision, Decision::Resigned);
    }

    #[test]
    fn bad_values_get_the_reference_statuses() {
        let base = r#""GenesysIDInteraction":"a1","MediaType":"chat","InteractionStartDateTime":"2022-11-08 10:00:00""#;
        let cases = [
            (r#""CustomerAgreements":[{"Name":"RODO marketing","Value":1}]"#, 406, "CustomerAgreements[0].Name"),
            (r#""CustomerAgreements":[{"Name":"RODO","Value":2}]"#, 406, "CustomerAgreements[0].Value"),
            (r#""CustomerAgreements":"not json""#, 406, "CustomerAgreements"),
            (r#""CustomerPhoneNumber":"12""#, 404, "Invalid phone number: CustomerPhoneNumber"),
            (r#""CustomerPhoneNumber":"+48 (884)""#, 406, "CustomerPhoneNumber"),
            (r#""CustomerEmail":"nobody""#, 406, "CustomerEmail"),
            (r#""FacebookActorID":"41-87""#, 406, "FacebookActorID"),
            (r#""QueueTime":"soon""#, 406, "QueueTime"),
        ];
        for (extra, status, message) in cases {
            let err = RegisterInteraction::parse(&fields(&format!("{{{base},{extra}}}")), pl()).expect_err(extra);
            assert_eq!(err.status(), status, "{extra}");
            assert!(err.to_string().contains(message), "{extra}: {err}");
        }
        let err = RegisterInteraction::parse(&fields(r#"{"MediaType":"chat"}"#), pl()).expect_err("no id");
        assert_eq!(err.status(), 400);
        let anonymous = format!(r#"{{{base},"CustomerPhoneNumber":"anonymous"}}"#);
        assert_eq!(RegisterInteraction::parse(&fields(&anonymous), pl()).expect("ok").customer.phone, None);
    }

    #[test]
    fn transfer_agent_comes_first() {
        let agent = Agent { agent_id: Some("a".into()), transfer_agent_id: Some("t".into()) };
        assert_eq!(agent.effective(), Some("t"));
    }

    #[test]
    fn campaign_reads_its_own_spellings() {
        let req = RegisterCampaign::parse(
            &fields(
                r#"{"GenesysIDInteraction":"03RGG833ANU72009","MediaType":"sms","DialedNumber":"+48884998123","CustomerEMail":"a@b.pl","CustomerNIP":1234567890,"InteractionStartDateTime":"2022-11-04 09:17:26","InteractionEndDateTime":"2022-11-04 09:17:26","TemplateCRMID":7}"#,
            ),
            pl(),
        )
        .expect("valid");
        assert_eq!(req.registration.media, Some(MediaType::Sms));
        assert_eq!(req.customer.email.as_ref().map(Email::as_str), Some("a@b.pl"));
        assert_eq!(req.customer.tax_id.as_ref().map(TaxId::as_str), Some("1234567890"));
        assert!(req.attached.is_empty());
    }

    #[test]
    fn unknown_methods_are_404() {
        assert_eq!(Method::parse("registerInteraction").expect("known"), Method::RegisterInteraction);
        let err = Method::parse("deleteInteraction").expect_err("unknown");
        assert_eq!((err.status().as_u16(), err.to_string().as_str()), (404, "Method Not Found"));
    }
}
