//! The services whose resource types are generated: every service of the
//! pinned cfn-lint's provider map, one folder of schemas each under
//! `infra/schemas/` (`cargo xtask codegen --refresh-schemas` vendors them).
//! A service is named by its type-name prefix (`AWS::S3`, `Alexa::ASK`);
//! its module and its cargo feature share one name (`s3`, `alexa_ask`).

/// The type-name prefix of a resource type: `AWS::S3` of `AWS::S3::Bucket`.
pub fn prefix_of(type_name: &str) -> Option<&str> {
    let (prefix, resource) = type_name.rsplit_once("::")?;
    (prefix.contains("::") && !resource.is_empty()).then_some(prefix)
}

/// The module and cargo feature name of a service prefix: the service in
/// lower case for AWS's own (`s3`), the vendor and service otherwise
/// (`alexa_ask`), so no two services share one.
pub fn module_name(prefix: &str) -> String {
    match prefix.split_once("::") {
        Some(("AWS", service)) => service.to_ascii_lowercase(),
        Some((vendor, service)) => format!("{vendor}_{service}").to_ascii_lowercase(),
        None => prefix.to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_modules() {
        assert_eq!(prefix_of("AWS::S3::Bucket"), Some("AWS::S3"));
        assert_eq!(prefix_of("Alexa::ASK::Skill"), Some("Alexa::ASK"));
        assert_eq!(prefix_of("Bucket"), None);
        assert_eq!(prefix_of("AWS::S3"), None);
        assert_eq!(module_name("AWS::ApiGatewayV2"), "apigatewayv2");
        assert_eq!(module_name("Alexa::ASK"), "alexa_ask");
    }
}
