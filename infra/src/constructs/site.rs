//! A static site: a private bucket read only by its CloudFront distribution,
//! an API routed under `/api/*`, an edge function on viewer requests, and an
//! optional domain with a certificate.

use crate::aws::certificatemanager::certificate::DomainValidationOption;
use crate::aws::cloudfront::distribution::{
    CacheBehavior, CustomOriginConfig, DefaultCacheBehavior, DistributionConfig, HttpVersion,
    LambdaFunctionAssociation, Logging, MinimumProtocolVersion, Origin, PriceClass, S3OriginConfig,
    SslSupportMethod, ViewerCertificate, ViewerProtocolPolicy,
};
use crate::aws::cloudfront::origin_access_control::OriginAccessControlConfig;
use crate::aws::cloudfront::response_headers_policy::{
    ContentSecurityPolicy, ContentTypeOptions, FrameOptions, ReferrerPolicy,
    ResponseHeadersPolicyConfig, SecurityHeadersConfig, StrictTransportSecurity,
};
use crate::aws::route53::record_set::AliasTarget;
use crate::aws::s3::bucket::{
    LifecycleConfiguration, ObjectOwnership, OwnershipControls, OwnershipControlsRule, Rule,
    RuleStatus,
};
use crate::aws::{certificatemanager, cloudfront, route53, s3};
use crate::constructs::bucket::private_bucket;
use crate::constructs::perms;
use crate::policy::{PolicyDocument, Principal, Statement};
use crate::{fns, pseudo, sub, Attributes, DeletionPolicy, Handle, Template, Value};

/// CloudFront's managed `CachingOptimized` cache policy.
pub const CACHING_OPTIMIZED: &str = "658327ea-f89d-4fab-a63d-7e88639e58f6";
/// CloudFront's managed `CachingDisabled` cache policy.
pub const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
/// CloudFront's managed `AllViewerExceptHostHeader` origin request policy.
pub const ALL_VIEWER_EXCEPT_HOST_HEADER: &str = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
/// The hosted zone every CloudFront alias record points into.
pub const CLOUDFRONT_HOSTED_ZONE_ID: &str = "Z2FDTNDATAQYW2";

/// The Content Security Policy of a [`SecurityHeaders`] before its extra
/// `connect-src` sources: the page may load scripts, styles, images and
/// fonts only from its own origin (images also as `data:` URLs), run no
/// inline script or style, be framed by no one, and post forms nowhere.
pub const CSP_BASE: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'; connect-src 'self'";

/// HSTS max-age: one year (the value AWS's managed `SecurityHeadersPolicy`
/// sends, and what browsers' preload lists ask for at least).
pub const HSTS_MAX_AGE_S: i64 = 31_536_000;

/// Security headers CloudFront adds to every response of the site, as a
/// response headers policy: HSTS, [`CSP_BASE`] with `connect_sources`,
/// `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` and
/// `Referrer-Policy: strict-origin-when-cross-origin`, each overriding
/// what the origin sends
/// (<https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-response-headers-policies.html>).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SecurityHeaders {
    /// Origins the page connects to besides its own (`connect-src`), such
    /// as a WebSocket API's `wss://` origin.
    pub connect_sources: Vec<Value<String>>,
}

impl SecurityHeaders {
    /// The `Content-Security-Policy` value.
    pub fn content_security_policy(&self) -> Value<String> {
        if self.connect_sources.is_empty() {
            return Value::Lit(CSP_BASE.to_owned());
        }
        let mut parts = vec![Value::Lit(CSP_BASE.to_owned())];
        for source in &self.connect_sources {
            parts.push(Value::Lit(" ".to_owned()));
            parts.push(source.clone());
        }
        fns::join("", parts)
    }

    fn policy(&self) -> cloudfront::ResponseHeadersPolicy {
        cloudfront::ResponseHeadersPolicy::new(
            ResponseHeadersPolicyConfig::new(sub!(pseudo::stack_name(), "-headers"))
                .comment("Security headers of the site")
                .security_headers_config(
                    SecurityHeadersConfig::new()
                        .content_security_policy(ContentSecurityPolicy::new(
                            self.content_security_policy(),
                            true,
                        ))
                        .content_type_options(ContentTypeOptions::new(true))
                        .frame_options(FrameOptions::new("DENY", true))
                        .referrer_policy(ReferrerPolicy::new(
                            true,
                            "strict-origin-when-cross-origin",
                        ))
                        .strict_transport_security(StrictTransportSecurity::new(
                            HSTS_MAX_AGE_S,
                            true,
                        )),
                ),
        )
    }
}

const SITE_ORIGIN: &str = "site";
const API_ORIGIN: &str = "api";

/// The certificate for the site's own domain names.
#[derive(Debug, Clone, PartialEq)]
pub enum SiteCertificate {
    /// No aliases: the site is served at the distribution's own domain.
    None,
    /// An ACM certificate in us-east-1 that already exists.
    Existing(Value<String>),
    /// A certificate created here, validated by DNS records in this Route 53
    /// hosted zone; alias records for the domain names are created there too.
    Dns {
        /// The hosted zone of the domain names.
        hosted_zone_id: String,
    },
}

/// Settings of a [`StaticSite`].
#[derive(Debug, Clone, PartialEq)]
pub struct StaticSiteProps {
    /// Domain names (`CNAME`s) the site answers to; the first is the main one.
    pub domain_names: Vec<String>,
    /// The certificate for `domain_names`.
    pub certificate: SiteCertificate,
    /// The host name of an API served under `/api/*`, if any.
    pub api_domain: Option<Value<String>>,
    /// A Lambda@Edge version run on every viewer request for site paths.
    pub viewer_request_function: Option<Value<String>>,
    /// Which edge locations serve the site (default: North America and Europe).
    pub price_class: PriceClass,
    /// What happens to the bucket when it leaves the stack.
    pub deletion_policy: DeletionPolicy,
    /// A WAFv2 web ACL (scope `CLOUDFRONT`) by ARN, such as
    /// [`crate::constructs::rate_limit_acl`]'s.
    pub web_acl_arn: Option<Value<String>>,
    /// Security headers on every response (`None`: the origin's only).
    pub security_headers: Option<SecurityHeaders>,
    /// CloudFront standard logs (one line per request, with the viewer's
    /// address) into a private bucket `<id>Logs` that deletes them after
    /// this many days; `None` (the default) writes none.
    pub access_log_days: Option<i64>,
}

impl Default for StaticSiteProps {
    fn default() -> Self {
        StaticSiteProps {
            domain_names: Vec::new(),
            certificate: SiteCertificate::None,
            api_domain: None,
            viewer_request_function: None,
            price_class: PriceClass::PriceClass100,
            deletion_policy: DeletionPolicy::Delete,
            web_acl_arn: None,
            security_headers: Some(SecurityHeaders::default()),
            access_log_days: None,
        }
    }
}

/// A static site behind CloudFront. Adds `<id>Bucket`, `<id>BucketPolicy`,
/// `<id>OriginAccess`, `<id>Distribution`, `<id>Headers` (unless
/// `security_headers` is `None`), `<id>Logs` with `access_log_days`, and with a DNS-validated
/// certificate `<id>Certificate` and alias records.
#[derive(Debug, Clone)]
pub struct StaticSite {
    /// The private bucket holding the files.
    pub bucket: Handle<s3::Bucket>,
    /// The distribution.
    pub distribution: Handle<cloudfront::Distribution>,
    /// The certificate created for the domain names, if one was.
    pub certificate: Option<Handle<certificatemanager::Certificate>>,
    domain_names: Vec<String>,
}

impl StaticSite {
    /// Adds the site's resources under `id`.
    pub fn new(template: &mut Template, id: &str, props: StaticSiteProps) -> Self {
        let bucket = template.add_with(
            &format!("{id}Bucket"),
            private_bucket(),
            Attributes::new()
                .deletion_policy(props.deletion_policy)
                .update_replace_policy(props.deletion_policy.on_replace()),
        );
        let access = template.add(
            &format!("{id}OriginAccess"),
            cloudfront::OriginAccessControl::new(
                OriginAccessControlConfig::new(
                    sub!(pseudo::stack_name(), "-site"),
                    "s3",
                    "always",
                    "sigv4",
                )
                .description("CloudFront reads the site bucket"),
            ),
        );

        let certificate = match &props.certificate {
            SiteCertificate::Dns { hosted_zone_id } if !props.domain_names.is_empty() => {
                let mut cert = certificatemanager::Certificate::new(props.domain_names[0].clone())
                    .validation_method("DNS")
                    .domain_validation_options(
                        props
                            .domain_names
                            .iter()
                            .map(|d| {
                                DomainValidationOption::new()
                                    .domain_name(d.clone())
                                    .hosted_zone_id(hosted_zone_id.clone())
                            })
                            .collect::<Vec<_>>(),
                    );
                if props.domain_names.len() > 1 {
                    cert = cert.subject_alternative_names(props.domain_names[1..].to_vec());
                }
                Some(template.add(&format!("{id}Certificate"), cert))
            }
            _ => None,
        };
        let certificate_arn: Option<Value<String>> = match (&props.certificate, &certificate) {
            (_, Some(created)) => Some(created.reference()),
            (SiteCertificate::Existing(arn), None) => Some(arn.clone()),
            _ => None,
        };

        let headers = props
            .security_headers
            .as_ref()
            .map(|h| template.add(&format!("{id}Headers"), h.policy()).id());
        let mut site_behavior =
            DefaultCacheBehavior::new(SITE_ORIGIN, ViewerProtocolPolicy::RedirectToHttps)
                .cache_policy_id(CACHING_OPTIMIZED)
                .compress(true)
                .allowed_methods(["GET", "HEAD"]);
        if let Some(policy) = &headers {
            site_behavior = site_behavior.response_headers_policy_id(policy.clone());
        }
        if let Some(arn) = &props.viewer_request_function {
            site_behavior =
                site_behavior.lambda_function_associations(vec![LambdaFunctionAssociation::new()
                    .event_type("viewer-request")
                    .lambda_function_arn(arn.clone())]);
        }
        let mut origins = vec![Origin::new(bucket.regional_domain_name(), SITE_ORIGIN)
            .s3_origin_config(S3OriginConfig::new().origin_access_identity(""))
            .origin_access_control_id(access.id())];
        let mut config = DistributionConfig::new(site_behavior, true)
            .comment(sub!(pseudo::stack_name(), " site"))
            .default_root_object("index.html")
            .http_version(HttpVersion::Http2and3)
            .ipv6_enabled(true)
            .price_class(props.price_class);
        if let Some(acl) = props.web_acl_arn {
            config = config.web_acl_id(acl);
        }
        if let Some(days) = props.access_log_days {
            // Standard logging writes with an ACL grant to CloudFront's log
            // delivery account, so the bucket keeps ACLs enabled (owner
            // preferred) while blocking every public one
            // (<https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html>).
            let logs = template.add_with(
                &format!("{id}Logs"),
                private_bucket()
                    .ownership_controls(OwnershipControls::new(vec![OwnershipControlsRule::new()
                        .object_ownership(ObjectOwnership::BucketOwnerPreferred)]))
                    .lifecycle_configuration(LifecycleConfiguration::new(vec![Rule::new(
                        RuleStatus::Enabled,
                    )
                    .id("expire-logs")
                    .expiration_in_days(days)])),
                Attributes::new()
                    .deletion_policy(props.deletion_policy)
                    .update_replace_policy(props.deletion_policy.on_replace()),
            );
            config = config.logging(
                Logging::new()
                    .bucket(logs.domain_name())
                    .include_cookies(false)
                    .prefix("cloudfront/"),
            );
        }
        if let Some(api) = &props.api_domain {
            origins.push(Origin::new(api.clone(), API_ORIGIN).custom_origin_config(
                CustomOriginConfig::new("https-only").origin_ssl_protocols(["TLSv1.2"]),
            ));
            let mut api_behavior = CacheBehavior::new("/api/*", API_ORIGIN, "https-only")
                .cache_policy_id(CACHING_DISABLED)
                .origin_request_policy_id(ALL_VIEWER_EXCEPT_HOST_HEADER)
                .allowed_methods(["GET", "HEAD", "OPTIONS"]);
            if let Some(policy) = &headers {
                api_behavior = api_behavior.response_headers_policy_id(policy.clone());
            }
            config = config.cache_behaviors(vec![api_behavior]);
        }
        config = config.origins(origins);
        let has_aliases = certificate_arn.is_some() && !props.domain_names.is_empty();
        if let Some(arn) = certificate_arn.filter(|_| has_aliases) {
            config = config
                .aliases(props.domain_names.clone())
                .viewer_certificate(
                    ViewerCertificate::new()
                        .acm_certificate_arn(arn)
                        .ssl_support_method(SslSupportMethod::SniOnly)
                        .minimum_protocol_version(MinimumProtocolVersion::TlSv122021),
                );
        } else {
            config = config
                .viewer_certificate(ViewerCertificate::new().cloud_front_default_certificate(true));
        }
        let distribution = template.add(
            &format!("{id}Distribution"),
            cloudfront::Distribution::new(config),
        );

        let distribution_arn = sub!(
            "arn:",
            pseudo::partition(),
            ":cloudfront::",
            pseudo::account_id(),
            ":distribution/",
            distribution.reference()
        );
        let policy = PolicyDocument::new()
            .statement(
                Statement::deny()
                    .sid("TlsOnly")
                    .action("s3:*")
                    .principal(Principal::Anyone)
                    .resources([bucket.arn(), sub!(bucket.arn(), "/*")])
                    .condition("Bool", "aws:SecureTransport", ["false"]),
            )
            .statement(
                Statement::allow()
                    .sid("DistributionReads")
                    .actions(perms::SITE_READ.iter().copied())
                    .principal(Principal::service("cloudfront.amazonaws.com"))
                    .resource(sub!(bucket.arn(), "/*"))
                    .condition("StringEquals", "AWS:SourceArn", [distribution_arn]),
            );
        template.add(
            &format!("{id}BucketPolicy"),
            s3::BucketPolicy::new(&bucket, policy),
        );

        if let SiteCertificate::Dns { hosted_zone_id } = &props.certificate {
            for (i, domain) in props.domain_names.iter().enumerate() {
                for record_type in ["A", "AAAA"] {
                    template.add(
                        &format!("{id}Alias{i}{record_type}"),
                        route53::RecordSet::new(domain.clone(), record_type)
                            .hosted_zone_id(hosted_zone_id.clone())
                            .alias_target(AliasTarget::new(
                                distribution.domain_name(),
                                CLOUDFRONT_HOSTED_ZONE_ID,
                            )),
                    );
                }
            }
        }

        StaticSite {
            bucket,
            distribution,
            certificate,
            // Without a certificate the aliases are not set, so the site
            // answers only at the distribution's own domain.
            domain_names: if has_aliases {
                props.domain_names
            } else {
                Vec::new()
            },
        }
    }

    /// The site's URL: its first domain name, else the distribution's.
    pub fn url(&self) -> Value<String> {
        match self.domain_names.first() {
            Some(domain) => Value::Lit(format!("https://{domain}")),
            None => sub!("https://", self.distribution.domain_name()),
        }
    }
}
