//! The directory objects configuration sync keeps in step with the external platform
//! (genesys-cloud.md §4.1): users and their external ids, queues and their members, wrap-up
//! codes, and the home division new users go to.
//!
//! Every call goes through [`GenesysClient::request`], so a 429 is
//! [`GenesysError::RateLimited`] with its `Retry-After` and any other refusal is
//! [`GenesysError::Api`] with the platform's status (409 for a taken e-mail or name, or a stale
//! user version). Ids and names that go into a path or a query are percent-encoded.

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{GenesysClient, GenesysError};

pub const USERS_PATH: &str = "/api/v2/users";
pub const USER_SEARCH_PATH: &str = "/api/v2/users/search";
pub const HOME_DIVISION_PATH: &str = "/api/v2/authorization/divisions/home";
pub const QUEUES_PATH: &str = "/api/v2/routing/queues";
pub const WRAPUP_CODES_PATH: &str = "/api/v2/routing/wrapupcodes";

/// "Bulk add or delete up to 100 queue members" per request.
pub const MAX_MEMBERS_PER_REQUEST: usize = 100;

/// The largest page the listings serve.
const PAGE_SIZE: usize = 100;

/// A listing longer than this many pages is refused rather than read forever or cut short.
const MAX_PAGES: usize = 10_000;

/// A user as configuration sync sees it: what it compares and the version a change needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    pub id: String,
    pub name: String,
    pub email: String,
    pub state: UserState,
    /// The user's current version: [`GenesysClient::update_user`] must name it.
    pub version: u64,
}

/// Whether a user may work. A person removed on the external platform becomes `Inactive`,
/// never deleted, so it comes back with its history when re-created. Deleted users are treated
/// as not found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UserState {
    Active,
    Inactive,
}

/// A queue or a wrap-up code: what events name (the id) and what sync matches on (the name).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

/// A `User` as Genesys answers it; only the fields sync reads.
#[derive(Debug, Deserialize)]
struct WireUser {
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    state: String,
    version: u64,
}

impl WireUser {
    /// The user, or `None` when it is deleted.
    fn into_user(self) -> Result<Option<DirectoryUser>, GenesysError> {
        let state = match self.state.as_str() {
            "active" => UserState::Active,
            "inactive" => UserState::Inactive,
            "deleted" => return Ok(None),
            other => return Err(GenesysError::Decode(format!("user {}: unknown state {other:?}", self.id))),
        };
        Ok(Some(DirectoryUser { id: self.id, name: self.name, email: self.email, state, version: self.version }))
    }

    /// The user a write answered, which cannot be deleted.
    fn into_written(self) -> Result<DirectoryUser, GenesysError> {
        let id = self.id.clone();
        self.into_user()?.ok_or_else(|| GenesysError::Decode(format!("user {id} was answered as deleted")))
    }
}

#[derive(Debug, Deserialize)]
struct Division {
    id: String,
}

/// `UsersSearchResponse`: `results` is absent when nothing matched.
#[derive(Debug, Deserialize)]
struct UserSearchResults {
    #[serde(default)]
    results: Vec<WireUser>,
}

/// An entity listing page.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Listing<T> {
    #[serde(default = "Vec::new")]
    entities: Vec<T>,
    #[serde(default)]
    page_count: Option<usize>,
}

/// A queue member: its id is the user's.
#[derive(Debug, Deserialize)]
struct Member {
    id: String,
}

/// `UserSearchRequest` for the user with `email`, active or inactive (deleted users are not
/// wanted, and the state is named so the answer does not depend on a default).
fn email_search(email: &str) -> Value {
    json!({
        "pageSize": PAGE_SIZE,
        "pageNumber": 1,
        "query": [
            {"type": "EXACT", "fields": ["email"], "value": email},
            {"type": "EXACT", "fields": ["state"], "values": ["active", "inactive"]},
        ],
    })
}

/// `text` as one path segment: everything but the unreserved characters percent-encoded.
pub(super) fn segment(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

fn is_not_found(error: &GenesysError) -> bool {
    matches!(error, GenesysError::Api { status: 404, .. })
}

impl GenesysClient {
    /// The organisation's home division, read once per client (copies share it): where
    /// every user goes unless the sync names a division.
    async fn home_division(&self) -> Result<String, GenesysError> {
        let id = self
            .home_division
            .get_or_try_init(|| async {
                Ok::<_, GenesysError>(self.get_json::<Division>(HOME_DIVISION_PATH).await?.id)
            })
            .await?;
        Ok(id.clone())
    }

    /// `POST /api/v2/users` (`CreateUser`: `name`, `email`, `divisionId`, and `state` active so
    /// the user can work at once). `division` None is the home division. A taken e-mail is a 409.
    pub async fn create_user(
        &self,
        name: &str,
        email: &str,
        division: Option<&str>,
    ) -> Result<DirectoryUser, GenesysError> {
        let division = match division {
            Some(division) => division.to_owned(),
            None => self.home_division().await?,
        };
        let body = json!({"name": name, "email": email, "divisionId": division, "state": UserState::Active});
        self.send_json::<_, WireUser>(Method::POST, USERS_PATH, &body).await?.into_written()
    }

    /// `GET /api/v2/users/{id}`; None when there is no such user or it is deleted.
    pub async fn user(&self, id: &str) -> Result<Option<DirectoryUser>, GenesysError> {
        match self.get_json::<WireUser>(&format!("{USERS_PATH}/{}", segment(id))).await {
            Ok(user) => user.into_user(),
            Err(error) if is_not_found(&error) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The active or inactive user whose e-mail is `email` (compared without case, as
    /// addresses are), through `POST /api/v2/users/search` with an `EXACT` criterion on
    /// `email` (`UserSearchRequest`, `UserSearchCriteria` of the Platform API SDK models; the
    /// list `GET /api/v2/users` would read the whole organisation for one address). Search
    /// is served from an index, so a user created a moment ago may not be found yet: a create
    /// that follows a miss can still meet a 409.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<DirectoryUser>, GenesysError> {
        let found: UserSearchResults = self.send_json(Method::POST, USER_SEARCH_PATH, &email_search(email)).await?;
        for user in found.results {
            if user.email.eq_ignore_ascii_case(email)
                && let Some(user) = user.into_user()?
            {
                return Ok(Some(user));
            }
        }
        Ok(None)
    }

    /// `PATCH /api/v2/users/{id}` naming `version`, the user's current one (a stale version is
    /// a 409: read the user again). Genesys takes `state` alone ("if specified, it is the only
    /// modifiable field"), so changing both the name and the state is two requests, the second
    /// on the version the first answered. The user as it is afterwards.
    pub async fn update_user(
        &self,
        id: &str,
        version: u64,
        name: Option<&str>,
        state: Option<UserState>,
    ) -> Result<DirectoryUser, GenesysError> {
        let path = format!("{USERS_PATH}/{}", segment(id));
        let mut user = None;
        if name.is_some() || state.is_none() {
            let body = match name {
                Some(name) => json!({"version": version, "name": name}),
                None => json!({"version": version}),
            };
            user = Some(self.send_json::<_, WireUser>(Method::PATCH, &path, &body).await?.into_written()?);
        }
        if let Some(state) = state {
            let version = user.as_ref().map_or(version, |u| u.version);
            let body = json!({"version": version, "state": state});
            user = Some(self.send_json::<_, WireUser>(Method::PATCH, &path, &body).await?.into_written()?);
        }
        user.ok_or_else(|| GenesysError::Decode("no user was answered".into()))
    }

    /// `POST /api/v2/users/{id}/externalid` (`UserExternalIdentifier`): ties the user to its
    /// key on the platform `authority` names, so it is found again by that key alone.
    pub async fn set_external_id(&self, user_id: &str, authority: &str, key: &str) -> Result<(), GenesysError> {
        let path = format!("{USERS_PATH}/{}/externalid", segment(user_id));
        let body = serde_json::to_vec(&json!({"authorityName": authority, "externalKey": key}))
            .map_err(|e| GenesysError::Decode(e.to_string()))?;
        self.request(Method::POST, &path, Some(body.into())).await.map(drop)
    }

    /// `GET /api/v2/users/externalid/{authorityName}/{externalKey}`; None when no user (or
    /// only a deleted one) has it.
    pub async fn user_by_external_id(&self, authority: &str, key: &str) -> Result<Option<DirectoryUser>, GenesysError> {
        let path = format!("{USERS_PATH}/externalid/{}/{}", segment(authority), segment(key));
        match self.get_json::<WireUser>(&path).await {
            Ok(user) => user.into_user(),
            Err(error) if is_not_found(&error) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// `POST /api/v2/routing/queues` (`CreateQueueRequest`: `name`, `peerId` the platform's
    /// id of the queue). A name taken already is a 409.
    pub async fn create_queue(&self, name: &str, peer_id: &str) -> Result<Named, GenesysError> {
        self.send_json(Method::POST, QUEUES_PATH, &json!({"name": name, "peerId": peer_id})).await
    }

    /// The queue named exactly `name`, among those `GET /api/v2/routing/queues?name=` lists
    /// (the filter may match more loosely); None if none.
    pub async fn queue_by_name(&self, name: &str) -> Result<Option<Named>, GenesysError> {
        let queues: Vec<Named> = self.every_page(QUEUES_PATH, &[("name", name)]).await?;
        Ok(queues.into_iter().find(|q| q.name == name))
    }

    /// The ids of every member of the queue (`GET /api/v2/routing/queues/{id}/members`, every
    /// page).
    pub async fn queue_members(&self, queue_id: &str) -> Result<Vec<String>, GenesysError> {
        let path = format!("{QUEUES_PATH}/{}/members", segment(queue_id));
        let members: Vec<Member> = self.every_page(&path, &[]).await?;
        Ok(members.into_iter().map(|m| m.id).collect())
    }

    /// Adds the users to the queue, or removes them when `delete` (`POST
    /// /api/v2/routing/queues/{id}/members?delete=`), at most
    /// [`MAX_MEMBERS_PER_REQUEST`] a request. Nothing is sent for no users.
    pub async fn change_queue_members(
        &self,
        queue_id: &str,
        users: &[String],
        delete: bool,
    ) -> Result<(), GenesysError> {
        let path = format!("{QUEUES_PATH}/{}/members?delete={delete}", segment(queue_id));
        for chunk in users.chunks(MAX_MEMBERS_PER_REQUEST) {
            let body: Vec<Value> = chunk.iter().map(|id| json!({"id": id})).collect();
            let body = serde_json::to_vec(&body).map_err(|e| GenesysError::Decode(e.to_string()))?;
            self.request(Method::POST, &path, Some(body.into())).await?;
        }
        Ok(())
    }

    /// `POST /api/v2/routing/wrapupcodes` (`WrapupCodeRequest`: `name`). A name taken already
    /// is a 409.
    pub async fn create_wrapup_code(&self, name: &str) -> Result<Named, GenesysError> {
        self.send_json(Method::POST, WRAPUP_CODES_PATH, &json!({"name": name})).await
    }

    /// The wrap-up code named exactly `name`, among those `GET
    /// /api/v2/routing/wrapupcodes?name=` lists; None if none.
    pub async fn wrapup_code_by_name(&self, name: &str) -> Result<Option<Named>, GenesysError> {
        let codes: Vec<Named> = self.every_page(WRAPUP_CODES_PATH, &[("name", name)]).await?;
        Ok(codes.into_iter().find(|c| c.name == name))
    }

    /// Every entity of a listing, page by page at [`PAGE_SIZE`], until `pageCount` (or an
    /// empty page) says there is no more.
    pub(super) async fn every_page<T: DeserializeOwned>(
        &self,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<Vec<T>, GenesysError> {
        let mut all = Vec::new();
        for page in 1..=MAX_PAGES {
            let (size, number) = (PAGE_SIZE.to_string(), page.to_string());
            let mut query = params.to_vec();
            query.extend([("pageSize", size.as_str()), ("pageNumber", number.as_str())]);
            let query = serde_urlencoded::to_string(&query).map_err(|e| GenesysError::Decode(e.to_string()))?;
            let listing: Listing<T> = self.get_json(&format!("{path}?{query}")).await?;
            let empty = listing.entities.is_empty();
            all.extend(listing.entities);
            if empty || page >= listing.page_count.unwrap_or(page) {
                return Ok(all);
            }
        }
        Err(GenesysError::Decode(format!("{path} lists more than {MAX_PAGES} pages")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(state: &str) -> WireUser {
        serde_json::from_value(json!({
            "id": "u-1", "name": "Ann Lee", "email": "ann@example.com", "state": state, "version": 3,
            "division": {"id": "d-1"}, "username": "ann@example.com", "selfUri": "/api/v2/users/u-1",
        }))
        .expect("a User")
    }

    #[test]
    fn users_are_read_with_their_state_and_deleted_ones_are_not_found() {
        let user = wire("inactive").into_user().expect("read").expect("not deleted");
        assert_eq!(user.state, UserState::Inactive);
        assert_eq!(user.version, 3);
        assert_eq!(user.email, "ann@example.com");
        assert_eq!(wire("active").into_user().expect("read").map(|u| u.state), Some(UserState::Active));
        assert_eq!(wire("deleted").into_user().expect("read"), None);
        assert!(wire("deleted").into_written().is_err());
        assert!(matches!(wire("suspended").into_user(), Err(GenesysError::Decode(_))));
    }

    #[test]
    fn a_user_without_a_version_is_not_read() {
        let missing = serde_json::from_value::<WireUser>(json!({"id": "u-1", "state": "active"}));
        assert!(missing.is_err());
    }

    #[test]
    fn listings_and_search_answers_may_omit_their_lists() {
        let listing: Listing<Named> = serde_json::from_value(json!({"pageSize": 100, "total": 0})).expect("listing");
        assert!(listing.entities.is_empty());
        assert_eq!(listing.page_count, None);
        let found: UserSearchResults = serde_json::from_value(json!({"total": 0, "pageCount": 0})).expect("answer");
        assert!(found.results.is_empty());
    }

    #[test]
    fn the_email_search_is_exact_and_names_the_states_wanted() {
        let body = email_search("ann@example.com");
        assert_eq!(body["query"][0], json!({"type": "EXACT", "fields": ["email"], "value": "ann@example.com"}));
        assert_eq!(body["query"][1]["values"], json!(["active", "inactive"]));
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(segment("crm/person 7"), "crm%2Fperson%207");
        assert_eq!(segment("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(segment("ü?#"), "%C3%BC%3F%23");
    }

    #[test]
    fn states_are_written_as_genesys_spells_them() {
        assert_eq!(json!(UserState::Active), json!("active"));
        assert_eq!(json!(UserState::Inactive), json!("inactive"));
    }
}
