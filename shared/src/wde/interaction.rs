//! What each webservice method does to the store, once the request is authenticated and
//! parsed: the flows of YetiForce's `GenesysWdeWhirly` action, idempotent and safe to retry.
//! On a channel linked to Genesys Cloud, the end of a voice or e-mail interaction writes its
//! conversation job in the same transaction ([`crate::ex::wde_job`]).

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde_json::Value;
use time::OffsetDateTime;

use super::config::WdeChannel;
use super::customer;
use super::request::{Agent, RegisterCampaign, RegisterInteraction, Registration, UpdateInteraction};
use crate::ApiError;
use crate::crm::consent::ConsentEntry;
use crate::crm::contact::{ConsentState, Contact};
use crate::crm::ids::InteractionId;
use crate::crm::interaction::{Interaction, InteractionEnd};
use crate::ex::wde_job::WdeConversationJob;
use crate::store::{Store, StoreError, Written};
use aws_sdk_dynamodb::types::TransactWriteItem;

/// The operator an interaction is assigned to: the agent (`TransferAgentID` first) mapped in
/// the channel's `operators`. Unmapped is 404 `User not found`, except for campaigns, which
/// fall back to `default_operator`.
pub fn operator(channel: &WdeChannel, agent: &Agent, campaign: bool) -> Result<Option<String>, ApiError> {
    match agent.effective().and_then(|id| channel.operators.get(id)) {
        Some(operator) => Ok(Some(operator.clone())),
        None if campaign => Ok(channel.default_operator.clone()),
        None => Err(ApiError::NotFound("User not found".into())),
    }
}

fn as_json(values: BTreeMap<String, Value>) -> BTreeMap<String, String> {
    values.into_iter().map(|(k, v)| (k, v.to_string())).collect()
}

/// YetiForce's `callhistorytype`; `-` for media types it does not map.
fn label(media: Option<super::MediaType>) -> String {
    media.map_or("-", super::MediaType::call_history_type).to_owned()
}

/// The interaction a registration stores, before the method adds its own fields.
fn registered(
    channel: &WdeChannel,
    registration: Registration,
    agent: &Agent,
    operator: Option<String>,
    ip: Option<IpAddr>,
    found: customer::Resolution,
) -> Interaction {
    Interaction {
        id: InteractionId::derive(channel.id.as_str(), &registration.genesys_id),
        channel: channel.id.clone(),
        tenant: channel.tenant.clone(),
        genesys_id: registration.genesys_id,
        campaign: false,
        call_type: label(registration.media),
        media_type: registration.media_type,
        operator,
        agent_login: agent.agent_id.clone(),
        queue_name: None,
        queue_time: None,
        service_type: registration.service_type,
        service_value: registration.service_value,
        dialed_number: registration.dialed_number,
        outbound_call_id: registration.outbound_call_id,
        phone: None,
        email: None,
        messenger_id: None,
        customer_token: None,
        tax_id: None,
        source_crm_id: None,
        previous_crm_id: None,
        ip_address: ip.map(|ip| ip.to_string()),
        started_at: None,
        contact: found.contact,
        company: found.company,
        ambiguities: found.ambiguities,
        created_contact: found.new_contact.is_some(),
        attached: BTreeMap::new(),
        end: None,
    }
}

/// How many times a registration reads again when its write lost to another: a delivery of the
/// same interaction (whose registration is then the answer) or a change to its customer (a
/// contact created or changed between the lookup and the write).
const REGISTER_ATTEMPTS: usize = 4;

/// `registerInteraction`: finds the customer (or creates the contact), stores the interaction
/// once with its activity, its consents in the register and their effect on the contact, all
/// in one transaction. Returns the interaction as stored (the first registration's, when WDE
/// repeats itself, which costs one read).
pub async fn register(
    store: &Store,
    channel: &WdeChannel,
    req: RegisterInteraction,
    operator: Option<String>,
    ip: Option<IpAddr>,
    now: OffsetDateTime,
) -> Result<Interaction, ApiError> {
    let genesys_id = &req.registration.genesys_id;
    let id = InteractionId::derive(channel.id.as_str(), genesys_id);
    for _ in 0..REGISTER_ATTEMPTS {
        if let Some(stored) = Interaction::get(store, &channel.id, id).await? {
            return same_interaction(stored, genesys_id);
        }
        let (interaction, writes) = new_registration(store, channel, &req, operator.clone(), ip, now).await?;
        if interaction.register(store, writes).await? == Written::Created {
            return Ok(interaction);
        }
    }
    Err(StoreError::Contention(crate::store::keys::interaction(id).to_string()).into())
}

/// The registration's interaction and the writes that go with it.
async fn new_registration(
    store: &Store,
    channel: &WdeChannel,
    req: &RegisterInteraction,
    operator: Option<String>,
    ip: Option<IpAddr>,
    now: OffsetDateTime,
) -> Result<(Interaction, Vec<TransactWriteItem>), StoreError> {
    let genesys_id = &req.registration.genesys_id;
    let creates = req.registration.media.is_some_and(|m| channel.creates_contacts_for(m));
    let origin = format!("wde:{}:{genesys_id}", channel.id);
    let create_as = creates.then_some(origin.as_str());
    let found = customer::resolve(store, &channel.tenant, &req.customer, create_as, now).await?;
    let new_contact = found.new_contact.clone();
    let customer = &req.customer;
    let interaction = Interaction {
        queue_name: req.queue_name.clone(),
        queue_time: req.queue_time,
        phone: customer.phone.clone(),
        email: customer.email.clone(),
        messenger_id: customer.messenger_id.clone(),
        customer_token: customer.token.clone(),
        tax_id: customer.tax_id.as_ref().map(|t| t.as_str().to_owned()),
        source_crm_id: req.source_crm_id,
        previous_crm_id: req.previous_crm_id,
        started_at: Some(req.started_at),
        attached: as_json(req.attached.clone()),
        ..registered(channel, req.registration.clone(), &req.agent, operator, ip, found)
    };
    let activity = super::activity::projection(&interaction, channel, now);
    let mut writes = activity.writes(store, None)?;
    let decisions: Vec<(&str, ConsentState)> = req
        .agreements
        .iter()
        .map(|a| {
            (a.name.as_str(), ConsentState { decision: a.decision, at: req.started_at, interaction: interaction.id })
        })
        .collect();
    match (new_contact, &interaction.contact) {
        (Some(mut contact), _) => {
            activity.name_contact(&mut contact, Some(channel.default_country));
            for (name, decision) in &decisions {
                contact.decide(name, decision);
            }
            writes.extend(contact.create_writes(store)?);
        }
        (None, Some(id)) if !decisions.is_empty() => {
            let key = crate::store::keys::contact(channel.tenant.as_str(), id.as_str());
            if let Some((mut contact, version)) = store.get_versioned::<Contact>(&key).await? {
                let changed =
                    decisions.iter().fold(false, |changed, (name, decision)| contact.decide(name, decision) | changed);
                if changed {
                    writes.push(store.versioned_write(&contact, version)?);
                }
            }
        }
        _ => {}
    }
    for (name, decision) in decisions {
        let entry = ConsentEntry {
            name: name.to_owned(),
            state: decision,
            tenant: channel.tenant.clone(),
            contact: interaction.contact.clone(),
            channel: channel.id.clone(),
        };
        writes.push(store.upsert_write(&entry, &[])?);
    }
    Ok((interaction, writes))
}

/// `stored` when it is the interaction WDE names; its id taken by another is a conflict.
fn same_interaction(stored: Interaction, genesys_id: &str) -> Result<Interaction, ApiError> {
    if stored.genesys_id == genesys_id {
        Ok(stored)
    } else {
        Err(ApiError::Conflict("the interaction id is taken by another interaction".into()))
    }
}

/// The interaction as stored after a conditional write: ours, or the one a concurrent or
/// earlier delivery stored first.
async fn stored_after(
    store: &Store,
    channel: &WdeChannel,
    written: Written,
    ours: Interaction,
) -> Result<Interaction, ApiError> {
    if written == Written::Created {
        return Ok(ours);
    }
    match Interaction::get(store, &channel.id, ours.id).await? {
        Some(stored) => same_interaction(stored, &ours.genesys_id),
        None => Err(ApiError::Conflict("the interaction id is taken by another interaction".into())),
    }
}

/// `updateInteraction`: records the end on the interaction named by `CRMInteractionID`, else
/// by `GenesysIDInteraction`; neither found is 404 `Genesys Interaction ID Not Found`.
pub async fn update(store: &Store, channel: &WdeChannel, req: UpdateInteraction) -> Result<Interaction, ApiError> {
    let end = InteractionEnd {
        ended_at: req.ended_at,
        handle_time: req.handle_time,
        status: req.status,
        personal_callback: req.personal_callback,
        result: req.result,
        disposition_code: req.disposition_code,
        transfer_agent_id: req.agent.transfer_agent_id,
        agent_login: req.agent.agent_id,
        session_id: req.session_id,
        attached: as_json(req.attached),
    };
    let by_crm_id = req.crm_id.and_then(InteractionId::from_number);
    let by_genesys_id = req.genesys_id.as_deref().map(|g| InteractionId::derive(channel.id.as_str(), g));
    let now = crate::clock::now();
    let writes = |ended: &Interaction| ended_writes(store, channel, ended, now);
    for id in [by_crm_id, by_genesys_id].into_iter().flatten() {
        if let Some((_, stored)) = Interaction::finish(store, &channel.id, id, &end, writes).await? {
            return Ok(stored);
        }
    }
    Err(ApiError::NotFound("Genesys Interaction ID Not Found".into()))
}

/// `registerInteractionCampaign`: stores the campaign interaction once, matched to a known
/// contact or company; campaigns never create contacts and carry no consents.
pub async fn register_campaign(
    store: &Store,
    channel: &WdeChannel,
    req: RegisterCampaign,
    operator: Option<String>,
    ip: Option<IpAddr>,
    now: OffsetDateTime,
) -> Result<Interaction, ApiError> {
    let id = InteractionId::derive(channel.id.as_str(), &req.registration.genesys_id);
    if let Some(stored) = Interaction::get(store, &channel.id, id).await? {
        return same_interaction(stored, &req.registration.genesys_id);
    }
    let found = customer::resolve(store, &channel.tenant, &req.customer, None, now).await?;
    let interaction = Interaction {
        campaign: true,
        phone: req.customer.phone,
        email: req.customer.email,
        tax_id: req.customer.tax_id.map(|t| t.as_str().to_owned()),
        started_at: req.started_at,
        attached: as_json(req.attached),
        end: req.ended_at.map(|ended_at| InteractionEnd { ended_at: Some(ended_at), ..InteractionEnd::default() }),
        ..registered(channel, req.registration, &req.agent, operator, ip, found)
    };
    let writes = match interaction.end {
        Some(_) => ended_writes(store, channel, &interaction, now)?,
        None => super::activity::projection(&interaction, channel, now).writes(store, None)?,
    };
    stored_after(store, channel, interaction.register(store, writes).await?, interaction).await
}

/// What goes with an interaction's end: its activity and cases as they now are, and the job
/// sending it to Genesys Cloud EX when its channel sends it.
fn ended_writes(
    store: &Store,
    channel: &WdeChannel,
    ended: &Interaction,
    now: OffsetDateTime,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let mut writes = super::activity::projection(ended, channel, now).writes(store, None)?;
    if let Some(job) = WdeConversationJob::for_interaction(channel, ended, now) {
        writes.push(job.upsert_write(store)?);
    }
    Ok(writes)
}
