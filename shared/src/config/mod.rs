//! The configuration document: one TOML document listing the channels (provider accounts) with
//! their secrets, mappings and options.
//!
//! Locally it is a file (`CCBRIDGE_CONFIG_FILE`); deployed, an SSM SecureString parameter
//! (`CCBRIDGE_CONFIG_PARAMETER`). It is read and validated once per cold start, and a bad
//! document fails with one message naming the field. Every field is parsed into its domain type
//! here (country, host, media type, URL, integration id, channel and tenant ids), so nothing
//! downstream parses a setting again.
//!
//! Each kind's settings and rules live with their domain ([`UisChannel`], [`WdeChannel`],
//! [`GenesysCloudChannel`], [`ChatbotChannel`], [`AgentStatesChannel`]); this module lists them, checks what spans
//! channels (unique ids, unique selecting secrets, references) and finds channels by id or by
//! secret. It is the one place that matches on the kind of a channel.

pub mod common;

use std::collections::HashMap;
use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::auth::secret_matches;
pub use crate::chat::config::ChatbotChannel;
pub use crate::ex::agents::AgentStatesChannel;
pub use crate::genesys::config::GenesysCloudChannel;
pub use crate::uis::config::UisChannel;
pub use crate::wde::config::WdeChannel;
pub use common::{ChannelId, ConfigError, Settings, TenantId};

/// Environment variable naming a local configuration file.
pub const FILE_ENV: &str = "CCBRIDGE_CONFIG_FILE";
/// Environment variable naming the SSM parameter holding the configuration.
pub const PARAMETER_ENV: &str = "CCBRIDGE_CONFIG_PARAMETER";

/// Default largest request body a function accepts.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

/// Where the configuration document comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    File(PathBuf),
    SsmParameter(String),
}

impl ConfigSource {
    /// The source named by the environment; a file wins over a parameter.
    pub fn from_env() -> Result<Self, ConfigError> {
        if let Some(path) = std::env::var_os(FILE_ENV).filter(|v| !v.is_empty()) {
            return Ok(Self::File(path.into()));
        }
        match std::env::var(PARAMETER_ENV) {
            Ok(name) if !name.is_empty() => Ok(Self::SsmParameter(name)),
            _ => Err(ConfigError::NoSource),
        }
    }

    /// Reads and validates the document.
    pub async fn load(&self, sdk: &aws_config::SdkConfig) -> Result<Config, ConfigError> {
        match self {
            Self::File(path) => {
                let text = tokio::fs::read_to_string(path)
                    .await
                    .map_err(|e| ConfigError::File { path: path.display().to_string(), message: e.to_string() })?;
                Config::parse(&text)
            }
            Self::SsmParameter(name) => {
                let out = aws_sdk_ssm::Client::new(sdk)
                    .get_parameter()
                    .name(name)
                    .with_decryption(true)
                    .send()
                    .await
                    .map_err(|e| ConfigError::Parameter {
                    name: name.clone(),
                    message: aws_sdk_ssm::error::DisplayErrorContext(e).to_string(),
                })?;
                let text = out.parameter.and_then(|p| p.value).ok_or_else(|| ConfigError::Parameter {
                    name: name.clone(),
                    message: "the parameter has no value".into(),
                })?;
                Config::parse(&text)
            }
        }
    }
}

/// Options that apply to every function.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Largest request body accepted, in bytes; larger bodies get 413.
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: usize,
}

impl Default for Service {
    fn default() -> Self {
        Self { max_body_bytes: DEFAULT_MAX_BODY_BYTES }
    }
}

/// Bounds of `service.max_body_bytes`: a body must hold a notification, and Lambda takes no
/// request larger than 6 MB.
const MIN_BODY_BYTES: usize = 1024;
const MAX_BODY_BYTES: usize = 6 * 1024 * 1024;
/// The shortest secret that selects a channel by itself.
const MIN_SELECTING_SECRET: usize = 16;

fn default_max_body_bytes() -> usize {
    DEFAULT_MAX_BODY_BYTES
}

/// One provider account, of one of the kinds below.
#[derive(Debug)]
pub enum Channel {
    Uis(UisChannel),
    Wde(WdeChannel),
    GenesysCloud(GenesysCloudChannel),
    Chatbot(ChatbotChannel),
    AgentStates(AgentStatesChannel),
}

/// The settings of one kind of channel, found in a [`Channel`].
pub trait Kind: Settings + Sized + 'static {
    fn of(channel: &Channel) -> Option<&Self>;

    fn id(&self) -> &ChannelId;
}

macro_rules! kinds {
    ($($variant:ident($settings:ty) = $name:literal),+ $(,)?) => {
        $(impl Kind for $settings {
            fn of(channel: &Channel) -> Option<&Self> {
                match channel {
                    Channel::$variant(settings) => Some(settings),
                    _ => None,
                }
            }

            fn id(&self) -> &ChannelId {
                &self.id
            }
        })+

        impl Channel {
            /// The settings as the document's rules see them.
            fn settings(&self) -> &dyn Settings {
                match self {
                    $(Self::$variant(settings) => settings),+
                }
            }

            pub fn id(&self) -> &ChannelId {
                match self {
                    $(Self::$variant(settings) => &settings.id),+
                }
            }

            /// The `kind` of the channel in the document.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => $name),+
                }
            }

            /// Reads the table of the `kind` named; errors name the field (`channel[1].token`).
            fn parse(kind: &str, table: toml::Table, index: usize) -> Result<Self, ConfigError> {
                match kind {
                    $($name => parse_table(table, index).map(Self::$variant),)+
                    other => Err(ConfigError::invalid(
                        format!("channel[{index}].kind"),
                        format!("unknown kind {other:?}: expected one of {}", [$($name),+].join(", ")),
                    )),
                }
            }
        }
    };
}

kinds! {
    Uis(UisChannel) = "uis",
    Wde(WdeChannel) = "wde",
    GenesysCloud(GenesysCloudChannel) = "genesys_cloud",
    Chatbot(ChatbotChannel) = "chatbot",
    AgentStates(AgentStatesChannel) = "agent_states",
}

/// The document as written: the channels are read one by one, each by its `kind`, so that an
/// error inside one names its field.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(default)]
    service: Service,
    #[serde(default, rename = "channel")]
    channels: Vec<toml::Table>,
}

/// The whole configuration document.
#[derive(Debug)]
pub struct Config {
    pub service: Service,
    channels: Vec<Channel>,
    by_id: HashMap<ChannelId, usize>,
}

impl Config {
    /// Parses and validates a TOML document.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let de = toml::Deserializer::parse(text).map_err(|e| toml_error("document", &e))?;
        let document: Document = serde_path_to_error::deserialize(de).map_err(|e| {
            let field = e.path().to_string();
            toml_error(if field == "." { "document" } else { &field }, e.inner())
        })?;
        let mut channels = Vec::with_capacity(document.channels.len());
        for (index, mut table) in document.channels.into_iter().enumerate() {
            let kind = match table.remove("kind") {
                Some(toml::Value::String(kind)) => kind,
                Some(_) => return Err(ConfigError::invalid(format!("channel[{index}].kind"), "must be a string")),
                None => return Err(ConfigError::invalid(format!("channel[{index}]"), "missing field `kind`")),
            };
            channels.push(Channel::parse(&kind, table, index)?);
        }
        let by_id = channels.iter().enumerate().map(|(i, c)| (c.id().clone(), i)).collect();
        let config = Self { service: document.service, channels, by_id };
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if !(MIN_BODY_BYTES..=MAX_BODY_BYTES).contains(&self.service.max_body_bytes) {
            return Err(ConfigError::invalid(
                "service.max_body_bytes",
                format!("must be between {MIN_BODY_BYTES} and {MAX_BODY_BYTES} (Lambda's own payload limit)"),
            ));
        }
        let mut ids = std::collections::HashSet::new();
        let mut selecting: HashMap<(&'static str, &'static str, &str), usize> = HashMap::new();
        for (i, channel) in self.channels.iter().enumerate() {
            let at = |field: &str| format!("channel[{i}].{field}");
            if !ids.insert(channel.id()) {
                return Err(ConfigError::invalid(at("id"), format!("{} is used twice", channel.id())));
            }
            let settings = channel.settings();
            settings.validate(&at)?;
            for (name, secret) in settings.secrets() {
                if secret.expose_secret().trim().len() < 8 {
                    return Err(ConfigError::invalid(at(name), "must be at least 8 characters"));
                }
            }
            for (name, secret) in settings.selecting_secrets() {
                // A secret that alone picks a channel is a credential anyone may try: long
                // enough not to be guessed.
                if secret.expose_secret().trim().len() < MIN_SELECTING_SECRET {
                    return Err(ConfigError::invalid(
                        at(name),
                        format!("must be at least {MIN_SELECTING_SECRET} characters: it alone selects the channel"),
                    ));
                }
                if let Some(other) = selecting.insert((channel.kind(), name, secret.expose_secret()), i) {
                    return Err(ConfigError::invalid(
                        at(name),
                        format!(
                            "channels {} and {} (channel[{other}]) have the same {name}: \
                             it must tell {} channels apart",
                            channel.id(),
                            self.channels[other].id(),
                            channel.kind()
                        ),
                    ));
                }
            }
            if let Some((field, genesys)) = settings.genesys_reference() {
                match self.channel(genesys) {
                    Some(Channel::GenesysCloud(_)) => {}
                    Some(_) => {
                        return Err(ConfigError::invalid(
                            at(field),
                            format!("channel {genesys} is not a genesys_cloud channel"),
                        ));
                    }
                    None => return Err(ConfigError::invalid(at(field), format!("no channel has the id {genesys}"))),
                }
            }
        }
        Ok(())
    }

    /// Every channel, in the document's order.
    pub fn channels(&self) -> &[Channel] {
        &self.channels
    }

    /// The channels, taken out of the document: how unit tests build one channel's settings.
    #[cfg(test)]
    pub(crate) fn into_channels(self) -> Vec<Channel> {
        self.channels
    }

    pub fn channel(&self, id: &ChannelId) -> Option<&Channel> {
        self.by_id.get(id).map(|&i| &self.channels[i])
    }

    /// The channel `id` if it is of kind `K`.
    pub fn get<K: Kind>(&self, id: &ChannelId) -> Option<&K> {
        self.channel(id).and_then(K::of)
    }

    /// The channel named by a stored or presented id, if it is of kind `K`.
    pub fn get_by_name<K: Kind>(&self, id: &str) -> Option<&K> {
        ChannelId::try_from(id.to_owned()).ok().and_then(|id| self.get(&id))
    }

    /// Every channel of kind `K`.
    pub fn all<K: Kind>(&self) -> impl Iterator<Item = &K> {
        self.channels.iter().filter_map(K::of)
    }

    /// The channel of kind `K` that `matches` accepts. Every channel of the kind is tried,
    /// whatever the answers, so the time taken says nothing about which one came close.
    pub fn find<K: Kind>(&self, matches: impl Fn(&K) -> bool) -> Option<&K> {
        let found = self.all::<K>().fold(None, |found, channel| if matches(channel) { Some(channel) } else { found });
        // The channel a secret selects is the request's: its metrics carry it.
        if let Some(channel) = found {
            crate::metrics::set_channel(channel.id().as_str());
        }
        found
    }

    /// The channel of kind `K` whose secret (picked by `secret`) equals `presented`, compared
    /// in constant time. Selecting secrets are unique within a kind, so at most one matches.
    pub fn by_secret<K: Kind>(&self, presented: &[u8], secret: impl Fn(&K) -> &SecretString) -> Option<&K> {
        self.find(|channel: &K| secret_matches(secret(channel), presented))
    }
}

/// Reads one channel's table as `K`, naming the field of an error under `channel[index]`.
fn parse_table<K: for<'de> Deserialize<'de>>(table: toml::Table, index: usize) -> Result<K, ConfigError> {
    serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { format!("channel[{index}]") } else { format!("channel[{index}].{path}") };
        ConfigError::invalid(field, e.inner().message().to_string())
    })
}

fn toml_error(field: &str, error: &toml::de::Error) -> ConfigError {
    let message = error.message().to_string();
    let field = if field == "document" {
        match error.span() {
            Some(span) => format!("document (byte {})", span.start),
            None => field.to_string(),
        }
    } else {
        field.to_string()
    };
    ConfigError::invalid(field, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::config::IdentityType;

    const GOOD: &str = r#"
        [service]
        max_body_bytes = 1024

        [[channel]]
        kind = "uis"
        id = "uis-main"
        token = "uis-token-123456"
        api_key = "uis-api-key-123456"
        genesys = "gc-eu"
        ex = { time_zone = "Europe/Moscow" }
        operators = { "101" = "ivanov" }

        [[channel]]
        kind = "genesys_cloud"
        id = "gc-eu"
        region = "mypurecloud.de"
        client_id = "client"
        client_secret = "very-secret-value"
    "#;

    #[test]
    fn parses_a_valid_document() {
        let config = Config::parse(GOOD).expect("valid");
        assert_eq!(config.service.max_body_bytes, 1024);
        assert_eq!(config.channels().len(), 2);
        let Channel::Uis(uis) = &config.channels()[0] else { panic!("uis first") };
        assert_eq!(Some(uis.default_country), crate::phone::Country::parse("RU"));
        assert_eq!(uis.operators["101"], "ivanov");
    }

    #[test]
    fn debug_output_hides_secrets() {
        let config = Config::parse(GOOD).expect("valid");
        let debug = format!("{config:?}");
        assert!(!debug.contains("uis-token-123456"), "{debug}");
        assert!(!debug.contains("very-secret-value"), "{debug}");
        assert!(debug.contains("REDACTED"));
    }

    fn error_of(doc: &str) -> String {
        Config::parse(doc).expect_err("invalid").to_string()
    }

    #[test]
    fn insecure_loopback_recordings_are_for_loopback_hosts_only() {
        let local = GOOD.replace(
            "genesys = \"gc-eu\"",
            "genesys = \"gc-eu\"\nrecording_hosts = [\"127.0.0.1\"]\nallow_insecure_loopback_recordings = true",
        );
        assert!(Config::parse(&local).is_ok());
        let msg = error_of(&local.replace("[\"127.0.0.1\"]", "[\"127.0.0.1\", \"app.uiscom.ru\"]"));
        assert!(
            msg.contains("channel[0].allow_insecure_loopback_recordings") && msg.contains("app.uiscom.ru"),
            "{msg}"
        );
        let msg = error_of(&GOOD.replace("genesys = \"gc-eu\"", "genesys = \"gc-eu\"\nrecording_attempts = 0"));
        assert!(msg.contains("channel[0].recording_attempts"), "{msg}");
    }

    #[test]
    fn a_uis_channel_places_calls_only_with_clear_operators_and_a_real_number() {
        let with_api = GOOD.replace(
            "operators = { \"101\" = \"ivanov\" }",
            "operators = { \"101\" = \"ivanov\" }\n[channel.call_api]\naccess_token = \"call-api-key-1234\"\n\
             virtual_phone = \"+74993720692\"\n",
        );
        let config = Config::parse(&with_api).expect("valid");
        let Channel::Uis(uis) = &config.channels()[0] else { panic!("uis first") };
        let api = uis.call_api.as_ref().expect("call_api");
        assert_eq!(api.url.as_str(), "https://callapi.uiscom.ru/v4.0");
        assert_eq!((api.double_click_seconds, uis.employee_of("ivanov")), (5, Some("101")));
        assert!(!format!("{config:?}").contains("call-api-key-1234"));
        let msg = error_of(&with_api.replace("+74993720692", "+7000"));
        assert!(msg.contains("channel[0].call_api.virtual_phone"), "{msg}");
        let msg = error_of(&with_api.replace("call-api-key-1234", "short"));
        assert!(msg.contains("call_api.access_token"), "{msg}");
        let msg = error_of(&GOOD.replace("\"101\" = \"ivanov\"", "\"101\" = \"ivanov\", \"102\" = \"ivanov\""));
        assert!(msg.contains("channel[0].operators") && msg.contains("ivanov"), "{msg}");
        let msg = error_of(&GOOD.replace("\"101\" =", "\"agent01\" ="));
        assert!(msg.contains("channel[0].operators"), "{msg}");
    }

    #[test]
    fn a_uis_channel_reads_statuses_with_a_secret_key_and_a_bounded_cadence() {
        let with_api = GOOD.replace(
            "operators = { \"101\" = \"ivanov\" }",
            "operators = { \"101\" = \"ivanov\" }\n[channel.data_api]\naccess_token = \"data-api-key-1234\"\n",
        );
        let config = Config::parse(&with_api).expect("valid");
        let Channel::Uis(uis) = &config.channels()[0] else { panic!("uis first") };
        let api = uis.data_api.as_ref().expect("data_api");
        assert_eq!(api.url.as_str(), "https://dataapi.uiscom.ru/v2.0");
        assert_eq!((api.poll_seconds, api.reserve_points), (60, 1000));
        assert!(!format!("{config:?}").contains("data-api-key-1234"));
        let msg = error_of(&with_api.replace("data-api-key-1234", "short"));
        assert!(msg.contains("data_api.access_token"), "{msg}");
        for seconds in ["29", "3601"] {
            let msg = error_of(&with_api.replace("1234\"\n", &format!("1234\"\npoll_seconds = {seconds}\n")));
            assert!(msg.contains("channel[0].data_api.poll_seconds"), "{msg}");
        }
        let msg = error_of(&with_api.replace("1234\"\n", "1234\"\nurl = \"http://dataapi.uiscom.ru/v2.0\"\n"));
        assert!(msg.contains("https"), "{msg}");
    }

    #[test]
    fn missing_field_names_the_channel() {
        let msg = error_of("[[channel]]\nkind = \"wde\"\nid = \"wde-a\"\n");
        assert!(msg.contains("channel[0]") && msg.contains("api_key"), "{msg}");
    }

    #[test]
    fn secrets_that_select_a_channel_are_long_and_bodies_bounded() {
        let msg = error_of(&GOOD.replace("uis-token-123456", "uis-token-12345"));
        assert!(msg.contains("channel[0].token") && msg.contains("16 characters"), "{msg}");
        let msg = error_of(&GOOD.replace("max_body_bytes = 1024", "max_body_bytes = 7000000"));
        assert!(msg.contains("service.max_body_bytes"), "{msg}");
        assert!(error_of(&GOOD.replace("max_body_bytes = 1024", "max_body_bytes = 100")).contains("between"));
    }

    #[test]
    fn wrong_type_names_the_field() {
        let msg = error_of("[service]\nmax_body_bytes = \"big\"\n");
        assert!(msg.contains("service.max_body_bytes"), "{msg}");
    }

    #[test]
    fn unknown_field_is_rejected() {
        let msg = error_of("[service]\nmax_body = 3\n");
        assert!(msg.contains("max_body"), "{msg}");
    }

    #[test]
    fn unknown_kind_is_rejected() {
        let msg = error_of("[[channel]]\nkind = \"fax\"\nid = \"f\"\n");
        assert!(msg.contains("channel[0]") && msg.contains("fax"), "{msg}");
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let doc = format!("{WDE}{WDE}");
        assert!(error_of(&doc).contains("channel[1].id"));
    }

    #[test]
    fn wde_channels_need_distinct_keys() {
        let msg = error_of(&format!("{WDE}{}", WDE.replace("\"a\"", "\"b\"")));
        assert!(msg.contains("channel[1].api_key"), "{msg}");
    }

    #[test]
    fn secrets_that_select_a_channel_are_unique_within_their_kind() {
        let second_uis = "[[channel]]\nkind = \"uis\"\nid = \"uis-b\"\ntoken = \"uis-token-123456\"\napi_key = \"other-api-key-12345\"\n";
        let msg = error_of(&format!("{GOOD}{second_uis}"));
        assert!(msg.contains("channel[2].token") && msg.contains("uis-b") && msg.contains("uis-main"), "{msg}");
        let second_key = second_uis
            .replace("uis-token-123456", "another-token-12345")
            .replace("other-api-key-12345", "uis-api-key-123456");
        let msg = error_of(&format!("{GOOD}{second_key}"));
        assert!(msg.contains("channel[2].api_key") && msg.contains("uis-b") && msg.contains("uis-main"), "{msg}");
        let same_kind_only = second_uis.replace("uis-token-123456", "very-secret-value");
        assert!(Config::parse(&format!("{GOOD}{same_kind_only}")).is_ok(), "a secret of another kind may repeat");

        let other_bot = "[[channel]]\nkind=\"chatbot\"\nid=\"bot-b\"\napi_key=\"bot-key-1234567890\"\ngenesys=\"gc\"\nwebhook_secret=\"another-webhook-secret\"\n";
        let msg = error_of(&format!("{}{other_bot}", bot("")));
        assert!(msg.contains("channel[2].api_key") && msg.contains("bot-b") && msg.contains("bot"), "{msg}");
        let same_secret = other_bot
            .replace("bot-key-1234567890", "bot-key-4567890123")
            .replace("another-webhook-secret", "0123456789abcdef");
        let msg = error_of(&format!("{}{same_secret}", bot("")));
        assert!(msg.contains("channel[2].webhook_secret") && msg.contains("bot-b"), "{msg}");

        let msg = error_of(&format!("{WDE}{}", WDE.replace("\"a\"", "\"b\"")));
        assert!(msg.contains("channel[1].api_key") && msg.contains("channels b and a"), "{msg}");
    }

    #[test]
    fn lookups_by_id_kind_and_secret() {
        let config = Config::parse(GOOD).expect("valid");
        let id = ChannelId::try_from("uis-main".to_string()).expect("id");
        let uis: &UisChannel = config.get(&id).expect("uis");
        assert_eq!(uis.tenant, TenantId::default());
        assert!(config.get::<WdeChannel>(&id).is_none());
        assert_eq!(config.all::<GenesysCloudChannel>().count(), 1);
        assert!(config.by_secret::<UisChannel>(b"uis-token-123456", |c| &c.token).is_some());
        assert!(config.by_secret::<UisChannel>(b"uis-api-key-123456", |c| &c.token).is_none());
        assert!(config.get_by_name::<UisChannel>("Not An Id").is_none());
    }

    #[test]
    fn short_secret_is_rejected() {
        let msg = error_of(&WDE.replace("wdeApiKey0123456789", "short"));
        assert!(msg.contains("channel[0].api_key"), "{msg}");
    }

    #[test]
    fn dangling_genesys_reference_is_rejected() {
        let doc = "[[channel]]\nkind=\"chatbot\"\nid=\"bot\"\napi_key=\"1234567890123456\"\ngenesys=\"nope\"\nwebhook_secret=\"0123456789abcdef\"\n";
        let msg = error_of(doc);
        assert!(msg.contains("channel[0].genesys") && msg.contains("nope"), "{msg}");
    }

    #[test]
    fn bad_channel_id_is_rejected() {
        let msg = error_of(&WDE.replace("\"a\"", "\"Bad Id\""));
        assert!(msg.contains("channel[0]") && msg.contains("Bad Id"), "{msg}");
    }

    const WDE: &str = "[[channel]]\nkind=\"wde\"\nid=\"a\"\napi_key=\"wdeApiKey0123456789\"\ncard_secret=\"0123456789abcdef0123456789abcdef\"\n";

    #[test]
    fn wde_defaults_follow_the_yetiforce_connector() {
        let config = Config::parse(WDE).expect("valid");
        let Channel::Wde(wde) = &config.channels()[0] else { panic!("wde") };
        assert_eq!(wde.listener_port, 6999);
        assert_eq!(Some(wde.default_country), crate::phone::Country::parse("PL"));
        assert_eq!(wde.create_contacts_for, vec![crate::wde::MediaType::Messenger]);
        assert_eq!(wde.card_ttl_seconds, 3600);
    }

    #[test]
    fn wde_fields_are_validated_by_name() {
        let cases = [
            ("default_country = \"XX\"", "default_country"),
            ("create_contacts_for = [\"fax\"]", "create_contacts_for"),
            ("card_ttl_seconds = 0", "card_ttl_seconds"),
            ("card_base_url = \"ftp://x\"", "card_base_url"),
            ("card_base_url = \"http://cards.example.com\"", "card_base_url"),
            ("listener_token = \"short\"", "listener_token"),
        ];
        let msg = error_of(&WDE.replace("wdeApiKey0123456789", "wde-api-key-0123456789"));
        assert!(msg.contains("channel[0].api_key"), "{msg}");
        for (line, field) in cases {
            let msg = error_of(&format!("{WDE}{line}\n"));
            assert!(msg.contains(&format!("channel[0].{field}")), "{line}: {msg}");
        }
        let msg = error_of(&format!("{WDE}allowed_ips = [\"10.0.0.300\"]\n"));
        assert!(msg.contains("channel[0]") && msg.contains("IP address"), "{msg}");
        let msg = error_of(&WDE.replace("0123456789abcdef0123456789abcdef", "too-short-secret"));
        assert!(msg.contains("channel[0].card_secret"), "{msg}");
    }

    #[test]
    fn syntax_error_says_where() {
        let msg = error_of("[service\n");
        assert!(msg.contains("document (byte"), "{msg}");
    }

    const GENESYS: &str = "[[channel]]\nkind=\"genesys_cloud\"\nid=\"gc\"\nregion=\"eu_central_1\"\nclient_id=\"c\"\nclient_secret=\"secret-123\"\n";

    fn bot(extra: &str) -> String {
        format!(
            "{GENESYS}[[channel]]\nkind=\"chatbot\"\nid=\"bot\"\napi_key=\"bot-key-1234567890\"\ngenesys=\"gc\"\nwebhook_secret=\"0123456789abcdef\"\n{extra}"
        )
    }

    #[test]
    fn chatbot_channel_with_every_option_parses() {
        let doc = bot(r#"
            integration_prefix = "DYDU bot connector"
            skills = ["Marketing", "Paiement"]
            webhook_url = "https://abc.execute-api.eu-west-1.amazonaws.com/genesys/messaging/webhook"
            callback_url = "https://bot.example.com/livechat"
            callback_secret = "callback-secret-1"
            identity = { id_type = "email", email = "mail", first_name = "prenom", last_name = "nom" }
            custom_attributes = [{ variable = "contrat", attribute = "contractId" }]
            integration_ids = { Marketing = "6685901b-6d0e-43db-95ff-d64406e9dce2" }
        "#);
        let config = Config::parse(&doc).expect("valid");
        let Channel::Chatbot(chatbot) = &config.channels()[1] else { panic!("chatbot") };
        assert_eq!(chatbot.integration_prefix(), "DYDU bot connector");
        assert_eq!(chatbot.identity.id_type, IdentityType::Email);
        assert_eq!(chatbot.custom_attributes[0].attribute, "contractId");
        let plain = Config::parse(&bot("")).expect("valid");
        let Channel::Chatbot(chatbot) = &plain.channels()[1] else { panic!("chatbot") };
        assert_eq!(chatbot.integration_prefix(), "ccbridge bot");
    }

    #[test]
    fn chatbot_rules_name_the_field() {
        let cases = [
            ("webhook_secret=\"short-secret\"\n", "webhook_secret"),
            ("skills = [\"A\", \"A\"]\n", "skills"),
            ("skills = [\"A (x)\"]\n", "skills"),
            ("callback_url = \"https://bot.example.com/cb\"\n", "callback_secret"),
            ("callback_url = \"http://bot.example.com/cb\"\ncallback_secret = \"cb-secret-123\"\n", "callback_url"),
            ("webhook_url = \"https://x.example.com:8443/genesys/messaging/webhook\"\n", "webhook_url"),
            ("identity = { id_type = \"email\" }\n", "identity.email"),
            ("integration_ids = { Nope = \"abc\" }\n", "integration_ids"),
            ("default_integration_id = \"../x\"\n", "default_integration_id"),
        ];
        for (extra, field) in cases {
            let doc = bot(extra).replace("webhook_secret=\"0123456789abcdef\"\nwebhook_secret", "webhook_secret");
            let msg = error_of(&doc);
            assert!(msg.contains(&format!("channel[1].{field}")), "{extra}: {msg}");
        }
        let eleven: Vec<String> = (0..11).map(|i| format!("{{ variable = \"v{i}\", attribute = \"a{i}\" }}")).collect();
        let msg = error_of(&bot(&format!("custom_attributes = [{}]\n", eleven.join(", "))));
        assert!(msg.contains("channel[1].custom_attributes") && msg.contains("at most 10"), "{msg}");
    }

    #[test]
    fn genesys_region_and_base_urls_are_checked() {
        let msg = error_of(&GENESYS.replace("eu_central_1", "mars_1"));
        assert!(msg.contains("channel[0].region"), "{msg}");
        let doc = format!("{GENESYS}api_base_url = \"ftp://x\"\n");
        assert!(error_of(&doc).contains("channel[0].api_base_url"));
        let doc = format!("{GENESYS}api_base_url = \"http://127.0.0.1:3303\"\n");
        assert!(Config::parse(&doc).is_ok());
    }
}
