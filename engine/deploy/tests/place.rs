//! The credential chain on a profile file: `--profile` picks the profile's
//! region, credentials and endpoint, `--region` wins over the profile's,
//! and the first call (STS's GetCallerIdentity, against a real moto server
//! the profile points at) says who that is; a profile that does not exist
//! fails that first call, naming it.

use stack_deploy::place::{identity, Place};

/// Whether the environment holds settings that the SDKs' chain puts before
/// any profile file (then these tests cannot choose what it finds).
fn environment_decides() -> bool {
    let set = [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_PROFILE",
    ]
    .iter()
    .find(|v| std::env::var_os(v).is_some());
    if let Some(var) = set {
        eprintln!("skipped: {var} is set, and the chain reads it before any profile file");
    }
    set.is_some()
}

/// A fresh folder for one test's profile files.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("stack-deploy-place-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn files(dir: &std::path::Path, endpoint: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let config = dir.join("config");
    let credentials = dir.join("credentials");
    // `endpoint_url` in a profile is the SDKs' standard setting:
    // https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
    std::fs::write(
        &config,
        format!(
            "[default]\nregion = us-east-1\n\n[profile ci]\nregion = eu-west-2\nendpoint_url = {endpoint}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        &credentials,
        "[ci]\naws_access_key_id = AKIAPROFILEFILE00001\naws_secret_access_key = secret\n",
    )
    .unwrap();
    (config, credentials)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_gives_its_region_credentials_and_endpoint_and_a_region_flag_wins() {
    use aws_credential_types::provider::ProvideCredentials;
    if environment_decides() {
        return;
    }
    let moto = emulator::Moto::start().unwrap();
    let dir = scratch("ci");
    let place = Place {
        profile: Some("ci".into()),
        region: None,
        files: Some(files(&dir, moto.endpoint())),
    };
    let sdk = place.sdk_config().await;
    assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-west-2"));
    assert_eq!(place.describe(&sdk), "profile ci, region eu-west-2");
    let credentials = sdk
        .credentials_provider()
        .unwrap()
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id(), "AKIAPROFILEFILE00001");
    // The first call goes where the profile says, with its credentials.
    let who = identity(&aws_sdk_sts::Client::new(&sdk)).await.unwrap();
    assert!(who.arn.starts_with("arn:aws:"), "{who:?}");
    assert!(!who.account.is_empty());

    let overridden = Place {
        region: Some("us-east-1".into()),
        ..place.clone()
    };
    let sdk = overridden.sdk_config().await;
    assert_eq!(sdk.region().map(|r| r.as_ref()), Some("us-east-1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_profile_is_named_before_any_call() {
    if environment_decides() {
        return;
    }
    let dir = scratch("nope");
    let place = Place {
        profile: Some("nope".into()),
        region: Some("us-east-1".into()),
        files: Some(files(&dir, "http://127.0.0.1:9")),
    };
    let missing = place
        .missing_profile()
        .expect("an unknown profile is named");
    assert!(
        missing.starts_with("profile nope is in neither"),
        "{missing}"
    );
    let ci = Place {
        profile: Some("ci".into()),
        ..place.clone()
    };
    assert_eq!(ci.missing_profile(), None);
}
