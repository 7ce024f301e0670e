//! WDE media types and what YetiForce records them as (`callhistorytype`).

use serde::{Deserialize, Serialize};

/// A media type WDE sends in `MediaType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaType {
    VoiceIn,
    VoiceOut,
    Callback,
    Outbound,
    Chat,
    InboundNew,
    EmailIn,
    EmailOut,
    Messenger,
    Facebook,
    FacebookPrivateMessage,
    /// Campaign media (`registerInteractionCampaign`).
    Sms,
    Email,
}

const NAMES: [(&str, MediaType); 13] = [
    ("voice in", MediaType::VoiceIn),
    ("voice out", MediaType::VoiceOut),
    ("callback", MediaType::Callback),
    ("outbound", MediaType::Outbound),
    ("chat", MediaType::Chat),
    ("InboundNew", MediaType::InboundNew),
    ("email in", MediaType::EmailIn),
    ("email out", MediaType::EmailOut),
    ("messenger", MediaType::Messenger),
    ("facebook", MediaType::Facebook),
    ("facebookprivatemessage", MediaType::FacebookPrivateMessage),
    ("sms", MediaType::Sms),
    ("email", MediaType::Email),
];

impl MediaType {
    /// The media type of a WDE name, exactly as WDE spells it.
    pub fn parse(name: &str) -> Option<Self> {
        NAMES.iter().find(|(n, _)| *n == name).map(|(_, m)| *m)
    }

    /// The WDE name.
    pub fn name(self) -> &'static str {
        NAMES.iter().find(|(_, m)| *m == self).map_or("-", |(n, _)| n)
    }

    /// YetiForce's `callhistorytype` label; `-` where YetiForce has none.
    pub fn call_history_type(self) -> &'static str {
        match self {
            Self::VoiceIn => "Incoming",
            Self::VoiceOut => "Outgoing",
            Self::Callback => "Outgoing - callback",
            Self::Outbound => "Outgoing - outbound",
            Self::Chat => "Chat",
            Self::EmailOut => "E-mail out",
            Self::EmailIn => "E-mail in",
            Self::Messenger | Self::FacebookPrivateMessage => "Messenger",
            Self::Facebook => "FB Wall",
            Self::InboundNew => "-",
            Self::Sms => "SMS campaign",
            Self::Email => "E-mail campaign",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_maps_like_yetiforce() {
        let expected = [
            ("voice in", "Incoming"),
            ("voice out", "Outgoing"),
            ("callback", "Outgoing - callback"),
            ("outbound", "Outgoing - outbound"),
            ("chat", "Chat"),
            ("email out", "E-mail out"),
            ("email in", "E-mail in"),
            ("messenger", "Messenger"),
            ("facebook", "FB Wall"),
            ("facebookprivatemessage", "Messenger"),
            ("InboundNew", "-"),
        ];
        for (name, label) in expected {
            let media = MediaType::parse(name).expect(name);
            assert_eq!(media.call_history_type(), label, "{name}");
            assert_eq!(media.name(), name);
        }
        assert_eq!(MediaType::parse("Voice In"), None);
        assert_eq!(MediaType::parse("fax"), None);
    }
}
