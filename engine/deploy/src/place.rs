//! Where real AWS is reached from: a profile and a region over the SDK's
//! standard chain (environment, then the shared config and credentials
//! files, then the instance's or container's role), and who that is.
//!
//! The chain and the precedence of `region` over the profile's are AWS's:
//! <https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html>
//! and <https://docs.aws.amazon.com/sdkref/latest/guide/feature-region.html>.

use std::path::PathBuf;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};

use crate::ApplyError;

/// A profile and region chosen by the user; unset, the standard chain
/// decides (`AWS_PROFILE`, `AWS_REGION`, the `default` profile).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    /// The shared config's profile to use.
    pub profile: Option<String>,
    /// The region, over the profile's.
    pub region: Option<String>,
    /// Config and credentials files instead of `~/.aws/config` and
    /// `~/.aws/credentials` (and their environment variables).
    pub files: Option<(PathBuf, PathBuf)>,
}

impl Place {
    /// The SDK configuration of this place.
    pub async fn sdk_config(&self) -> SdkConfig {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some((config, credentials)) = &self.files {
            loader = loader.profile_files(
                EnvConfigFiles::builder()
                    .with_file(EnvConfigFileKind::Config, config)
                    .with_file(EnvConfigFileKind::Credentials, credentials)
                    .build(),
            );
        }
        if let Some(profile) = &self.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &self.region {
            loader = loader.region(Region::new(region.clone()));
        }
        loader.load().await
    }

    /// The config and credentials files the chain reads: the given ones,
    /// else `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`, else
    /// `~/.aws/config` and `~/.aws/credentials`.
    pub fn profile_paths(&self) -> (PathBuf, PathBuf) {
        if let Some((config, credentials)) = &self.files {
            return (config.clone(), credentials.clone());
        }
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default();
        let var = |name: &str, default: &str| {
            std::env::var_os(name).map_or_else(|| home.join(".aws").join(default), PathBuf::from)
        };
        (
            var("AWS_CONFIG_FILE", "config"),
            var("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
        )
    }

    /// Why the named profile cannot be used, when neither file defines it
    /// (the chain would silently go on to an instance role instead): a
    /// message naming the profile and the files.
    pub fn missing_profile(&self) -> Option<String> {
        let profile = self.profile.as_deref()?;
        let (config, credentials) = self.profile_paths();
        let defines = |path: &PathBuf, headers: &[String]| {
            std::fs::read_to_string(path).is_ok_and(|text| {
                text.lines()
                    .map(|l| l.trim().replace(' ', ""))
                    .any(|l| headers.contains(&l))
            })
        };
        let in_config = defines(
            &config,
            &[format!("[profile{profile}]"), format!("[{profile}]")],
        );
        let in_credentials = defines(&credentials, &[format!("[{profile}]")]);
        (!in_config && !in_credentials).then(|| {
            format!(
                "profile {profile} is in neither {} nor {}; `aws configure --profile {profile}` makes it, `aws configure list-profiles` lists those there are",
                config.display(),
                credentials.display()
            )
        })
    }

    /// How the place reads in messages: `profile ci, region eu-west-2`.
    pub fn describe(&self, sdk: &SdkConfig) -> String {
        let region = sdk.region().map_or("(none)".to_owned(), |r| r.to_string());
        match &self.profile {
            Some(profile) => format!("profile {profile}, region {region}"),
            None => format!("the default credential chain, region {region}"),
        }
    }
}

/// Who the credentials are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The account.
    pub account: String,
    /// The caller's ARN.
    pub arn: String,
}

/// Asks STS who `sdk`'s credentials are: the first call, so a missing
/// profile or credential fails here, before anything changes.
pub async fn identity(sts: &aws_sdk_sts::Client) -> Result<Identity, ApplyError> {
    let out = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(crate::error::aws(
            "asking AWS who we are (are credentials configured? `aws configure`, --profile NAME or AWS_PROFILE)",
        ))?;
    Ok(Identity {
        account: out.account().unwrap_or("?").to_owned(),
        arn: out.arn().unwrap_or("?").to_owned(),
    })
}
