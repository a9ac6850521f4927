//! The services whose resource types are generated. Adding a service is one
//! line here, then `cargo xtask codegen --refresh-schemas`.

/// Service names as they appear in type names (`AWS::<Service>::<Resource>`).
pub const SERVICES: &[&str] = &[
    "ApiGateway",
    "ApiGatewayV2",
    "CertificateManager",
    "CloudFront",
    "CloudWatch",
    "DynamoDB",
    "Events",
    "IAM",
    "KMS",
    "Lambda",
    "Logs",
    "Route53",
    "S3",
    "SNS",
    "SQS",
    "SSM",
    "WAFv2",
];

/// The module and cargo feature name of a service.
pub fn module_name(service: &str) -> String {
    service.to_ascii_lowercase()
}
