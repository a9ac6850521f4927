//! Handing over what a batch could not finish: repair messages on the
//! visit queue (see the processor's documentation).

use std::time::Duration;

use visitor_model::repair::{Repair, RepairMessage, VERSION};

use super::Processor;
use crate::dynamo::describe_sdk_error as describe;

/// Attempts to send one repair.
const SEND_ATTEMPTS: u32 = 4;

/// Where repairs go: the visit queue.
#[derive(Debug, Clone)]
pub struct RepairQueue {
    /// The SQS client.
    pub sqs: aws_sdk_sqs::Client,
    /// The queue's URL.
    pub url: String,
}

impl Processor {
    /// Sends `repair` to the visit queue, retrying; an error means it is lost
    /// (logged by the caller with what it held).
    pub(super) async fn hand_over(&self, repair: Repair) -> Result<(), String> {
        let Some(queue) = &self.repairs else {
            return Err(format!(
                "no repair queue is set ({} is missing)",
                visitor_model::env::VISITS_QUEUE_URL
            ));
        };
        let body = RepairMessage {
            repair_v: VERSION,
            repair,
        }
        .to_json();
        let mut delay = Duration::from_millis(100);
        let mut last = String::new();
        for attempt in 0..SEND_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            match queue
                .sqs
                .send_message()
                .queue_url(&queue.url)
                .message_body(&body)
                .send()
                .await
            {
                Ok(_) => return Ok(()),
                Err(e) => last = describe(&e),
            }
        }
        Err(last)
    }
}
