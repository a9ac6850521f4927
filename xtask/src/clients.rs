//! The AWS clients xtask's deploy path makes, each recording its requests
//! when a recorder is given (the access check of the deploy role).

use access_record::Recorder;

/// A client of `$sdk` (an SDK crate) for `config`, recording into `record`.
macro_rules! client {
    ($name:ident, $sdk:ident) => {
        #[doc = concat!("A `", stringify!($sdk), "` client, its requests recorded when `record` is given.")]
        pub fn $name(config: &aws_config::SdkConfig, record: Option<&Recorder>) -> $sdk::Client {
            let mut builder = $sdk::config::Builder::from(config);
            if let Some(recorder) = record {
                builder = builder.interceptor(recorder.clone());
            }
            if crate::out::verbose() {
                builder = builder.interceptor(crate::out::Trace);
            }
            $sdk::Client::from_conf(builder.build())
        }
    };
}

client!(cloudformation, aws_sdk_cloudformation);
client!(cloudfront, aws_sdk_cloudfront);
client!(dynamodb, aws_sdk_dynamodb);
client!(s3, aws_sdk_s3);
client!(sts, aws_sdk_sts);
