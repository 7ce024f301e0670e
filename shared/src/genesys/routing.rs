//! The ACD skills and languages configuration sync gives users (genesys-cloud.md §4.1): the
//! organisation's skills and languages, found by name or created, and a user's proficiencies
//! (0.0 to 5.0) set in bulk, `PATCH /api/v2/users/{id}/routingskills/bulk` (and
//! `routinglanguages`), with the ones no longer wanted taken away one by one (`DELETE`).

use reqwest::Method;
use serde_json::{Value, json};

use super::directory::{Named, segment};
use super::{GenesysClient, GenesysError};

pub const SKILLS_PATH: &str = "/api/v2/routing/skills";
pub const LANGUAGES_PATH: &str = "/api/v2/routing/languages";

impl GenesysClient {
    /// The skill named exactly `name`, among those `GET /api/v2/routing/skills?name=` lists.
    pub async fn skill_by_name(&self, name: &str) -> Result<Option<Named>, GenesysError> {
        let skills: Vec<Named> = self.every_page(SKILLS_PATH, &[("name", name)]).await?;
        Ok(skills.into_iter().find(|s| s.name == name))
    }

    /// `POST /api/v2/routing/skills` (`RoutingSkill`: `name`). A name taken is a 409.
    pub async fn create_skill(&self, name: &str) -> Result<Named, GenesysError> {
        self.send_json(Method::POST, SKILLS_PATH, &json!({"name": name})).await
    }

    /// The language named exactly `name`, among those `GET /api/v2/routing/languages?name=` lists.
    pub async fn language_by_name(&self, name: &str) -> Result<Option<Named>, GenesysError> {
        let languages: Vec<Named> = self.every_page(LANGUAGES_PATH, &[("name", name)]).await?;
        Ok(languages.into_iter().find(|l| l.name == name))
    }

    /// `POST /api/v2/routing/languages` (`Language`: `name`). A name taken is a 409.
    pub async fn create_language(&self, name: &str) -> Result<Named, GenesysError> {
        self.send_json(Method::POST, LANGUAGES_PATH, &json!({"name": name})).await
    }

    /// Gives the user `given` skills (id, proficiency) in one request and takes `taken` away.
    pub async fn set_user_skills(
        &self,
        user: &str,
        given: &[(String, f64)],
        taken: &[String],
    ) -> Result<(), GenesysError> {
        self.set_levels(user, "routingskills", given, taken).await
    }

    /// Gives the user `given` languages (id, proficiency) in one request and takes `taken` away.
    pub async fn set_user_languages(
        &self,
        user: &str,
        given: &[(String, f64)],
        taken: &[String],
    ) -> Result<(), GenesysError> {
        self.set_levels(user, "routinglanguages", given, taken).await
    }

    async fn set_levels(
        &self,
        user: &str,
        what: &str,
        given: &[(String, f64)],
        taken: &[String],
    ) -> Result<(), GenesysError> {
        let base = format!("/api/v2/users/{}/{what}", segment(user));
        if !given.is_empty() {
            let body: Vec<Value> = given.iter().map(|(id, level)| json!({"id": id, "proficiency": level})).collect();
            let body = serde_json::to_vec(&body).map_err(|e| GenesysError::Decode(e.to_string()))?;
            self.request(Method::PATCH, &format!("{base}/bulk"), Some(body.into())).await?;
        }
        for id in taken {
            self.request(Method::DELETE, &format!("{base}/{}", segment(id)), None).await?;
        }
        Ok(())
    }
}
