//! The Genesys Cloud regions and their hosts (SDK v257, 17 regions). A region is named in the
//! configuration by its AWS-style key (`eu_central_1`) or its domain (`mypurecloud.de`).

/// One Genesys Cloud region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// AWS-style key, e.g. `eu_central_1`.
    pub key: &'static str,
    /// Environment domain: the API host is `api.<domain>`, the login host `login.<domain>`.
    pub domain: &'static str,
}

/// Every region of the reference, in its order.
pub const REGIONS: [Region; 17] = [
    Region { key: "us_east_1", domain: "mypurecloud.com" },
    Region { key: "us_east_2", domain: "use2.us-gov-pure.cloud" },
    Region { key: "us_west_2", domain: "usw2.pure.cloud" },
    Region { key: "ca_central_1", domain: "cac1.pure.cloud" },
    Region { key: "sa_east_1", domain: "sae1.pure.cloud" },
    Region { key: "mx_central_1", domain: "mxc1.pure.cloud" },
    Region { key: "eu_west_1", domain: "mypurecloud.ie" },
    Region { key: "eu_west_2", domain: "euw2.pure.cloud" },
    Region { key: "eu_central_1", domain: "mypurecloud.de" },
    Region { key: "eu_central_2", domain: "euc2.pure.cloud" },
    Region { key: "me_central_1", domain: "mec1.pure.cloud" },
    Region { key: "ap_south_1", domain: "aps1.pure.cloud" },
    Region { key: "ap_northeast_1", domain: "mypurecloud.jp" },
    Region { key: "ap_northeast_2", domain: "apne2.pure.cloud" },
    Region { key: "ap_northeast_3", domain: "apne3.pure.cloud" },
    Region { key: "ap_southeast_1", domain: "apse1.pure.cloud" },
    Region { key: "ap_southeast_2", domain: "mypurecloud.com.au" },
];

impl<'de> serde::Deserialize<'de> for Region {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Self::find(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{name:?} is not a Genesys Cloud region (e.g. eu_central_1 or mypurecloud.de)"
            ))
        })
    }
}

impl Region {
    /// The region named `name`: a key (`eu_central_1`, also with dashes) or a domain
    /// (`mypurecloud.de`, also as `api.mypurecloud.de`).
    pub fn find(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        let domain = name.strip_prefix("api.").or_else(|| name.strip_prefix("login.")).unwrap_or(&name);
        let key = name.replace('-', "_");
        REGIONS.iter().copied().find(|r| r.domain == domain || r.key == key)
    }

    /// `https://api.<domain>`.
    pub fn api_base_url(&self) -> String {
        format!("https://api.{}", self.domain)
    }

    /// `https://login.<domain>`, where the OAuth token endpoint is.
    pub fn login_base_url(&self) -> String {
        format!("https://login.{}", self.domain)
    }

    /// `api-downloads.<domain>`, the host of the attachment links in outbound messages.
    pub fn downloads_host(&self) -> String {
        format!("api-downloads.{}", self.domain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_found_by_key_or_domain() {
        let de = Region::find("mypurecloud.de").expect("domain");
        assert_eq!(de.key, "eu_central_1");
        assert_eq!(Region::find("eu-central-1"), Some(de));
        assert_eq!(Region::find("api.mypurecloud.de"), Some(de));
        assert_eq!(de.api_base_url(), "https://api.mypurecloud.de");
        assert_eq!(de.login_base_url(), "https://login.mypurecloud.de");
        assert_eq!(Region::find("ap_southeast_2").map(|r| r.domain), Some("mypurecloud.com.au"));
        assert!(Region::find("mypurecloud.example").is_none());
    }

    #[test]
    fn every_region_is_unique() {
        for (i, a) in REGIONS.iter().enumerate() {
            for b in &REGIONS[i + 1..] {
                assert!(a.key != b.key && a.domain != b.domain, "{a:?} {b:?}");
            }
        }
    }
}
