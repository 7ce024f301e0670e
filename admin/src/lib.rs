//! Operator commands against a deployed (or local) ccbridge: they read the same configuration
//! document and write the same table as the functions.

use ccbridge::chat::provisioning::{Provisioned, provision};
use ccbridge::config::{Channel, ChannelId, Config};
use ccbridge::genesys::GenesysClient;
use ccbridge::store::Store;

/// Creates or reuses the open-messaging integrations of the chatbot channel `channel` and
/// records their ids in the table. Running it again changes nothing.
pub async fn provision_chat(config: &Config, store: &Store, channel: &str) -> Result<Vec<Provisioned>, String> {
    let id = ChannelId::try_from(channel.to_owned())?;
    let bot = match config.channel(&id) {
        Some(Channel::Chatbot(bot)) => bot,
        Some(_) => return Err(format!("channel {channel} is not a chatbot channel")),
        None => return Err(format!("no channel {channel} in the configuration")),
    };
    let genesys = ccbridge::chat::genesys_channel(config, bot).map_err(|e| e.to_string())?;
    let client = GenesysClient::for_channel(genesys).map_err(|e| e.to_string())?;
    provision(store, &client, bot).await.map_err(|e| e.to_string())
}
