//! A web ACL for a CloudFront distribution with one rule: a client IP that
//! sends more than `limit` requests in five minutes is blocked until its
//! rate falls again. A rate-based rule counts per IP over a sliding
//! five-minute window by default
//! (<https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based.html>);
//! a web ACL for CloudFront has the scope `CLOUDFRONT` and must be created in
//! us-east-1, and the distribution names it by ARN in `WebACLId`
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-cloudfront-distribution-distributionconfig.html>).
//!
//! AWS bills $5 a month per web ACL, $1 a month per rule and $0.60 per
//! million requests inspected (<https://aws.amazon.com/waf/pricing/>): about
//! $6 a month for a quiet site.

use crate::aws::wafv2::web_acl::{
    AggregateKeyType, AllowAction, BlockAction, DefaultAction, RateBasedStatement, Rule,
    RuleAction, Scope, Statement, VisibilityConfig, WebAcl,
};
use crate::{Handle, Template, Value};

/// The lowest limit AWS accepts for a rate-based rule (requests per five
/// minutes from one IP).
pub const MIN_RATE_LIMIT: i64 = 10;

/// Adds `<id>` (`AWS::WAFv2::WebACL`): allow by default, block an IP above
/// `limit` requests per five minutes. Its metrics are named after `id`.
pub fn rate_limit_acl(template: &mut Template, id: &str, limit: i64) -> Handle<WebAcl> {
    let visibility = |name: &str| VisibilityConfig::new(true, name.to_owned(), true);
    let rule = Rule::new(
        "RateLimitPerIp".to_owned(),
        0,
        Statement::new().rate_based_statement(Value::Lit(Box::new(RateBasedStatement::new(
            AggregateKeyType::Ip,
            limit,
        )))),
        visibility(&format!("{id}RateLimit")),
    )
    .action(RuleAction::new().block(BlockAction::new()));
    template.add(
        id,
        WebAcl::new(
            DefaultAction::new().allow(AllowAction::new()),
            Scope::Cloudfront,
            visibility(id),
        )
        .rules(vec![Value::from(rule)]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_rate_based_rule_blocks_an_ip_above_the_limit() {
        let mut t = Template::new();
        rate_limit_acl(&mut t, "Firewall", 600);
        let rendered = t.render().unwrap().json().clone();
        let acl = &rendered["Resources"]["Firewall"]["Properties"];
        assert_eq!(acl["Scope"], "CLOUDFRONT");
        assert_eq!(acl["DefaultAction"], json!({ "Allow": {} }));
        let rule = &acl["Rules"][0];
        assert_eq!(rule["Action"], json!({ "Block": {} }));
        assert_eq!(
            rule["Statement"]["RateBasedStatement"],
            json!({ "AggregateKeyType": "IP", "Limit": 600 })
        );
    }
}
