//! What a request is: a person's page view, a person's other request, a
//! crawler's or tool's request, or a request for something the site does not
//! serve. Only views raise the visit counts; the rest are counted apart.

use std::sync::OnceLock;

use visitor_model::message::VisitMessage;
use visitor_model::paths;

/// The kind of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A person's `GET` of a page the site has.
    View,
    /// A person's request for anything else the site serves: an asset, or a
    /// page by `HEAD`, `OPTIONS`, ...
    Request,
    /// A crawler or a tool, by its user agent: never a visitor or a view.
    Bot,
    /// A path the site does not serve (whoever asks): counted in one
    /// aggregate, its path never stored.
    Other,
}

/// The user-agent patterns of the `isbot` crate, a list modelled on the
/// `isbot` npm package's (search engines, social previews, AI crawlers,
/// monitoring, HTTP libraries and command-line tools such as curl, wget and
/// python-requests; it misses a few, such as PowerShell and undici, which
/// then count as people), compiled once per process.
fn bots() -> &'static isbot::Bots {
    static BOTS: OnceLock<isbot::Bots> = OnceLock::new();
    BOTS.get_or_init(isbot::Bots::default)
}

/// Whether `user_agent` is a crawler's or a tool's. An empty one is: every
/// browser sends the header, scripts often do not.
pub fn is_bot(user_agent: &str) -> bool {
    user_agent.trim().is_empty() || bots().is_bot(user_agent)
}

/// The kind of the request `message` describes.
pub fn classify(message: &VisitMessage) -> Kind {
    if is_bot(&message.user_agent) {
        Kind::Bot
    } else if !message.served {
        Kind::Other
    } else if message.method == "GET" && paths::is_page(&message.path) {
        Kind::View
    } else {
        Kind::Request
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use visitor_model::fixtures::BROWSER_USER_AGENT;

    fn message(method: &str, path: &str, served: bool, user_agent: &str) -> VisitMessage {
        VisitMessage {
            v: 1,
            id: "r".into(),
            ip: "203.0.113.1".into(),
            path: path.into(),
            served,
            method: method.into(),
            user_agent: user_agent.into(),
            referer: String::new(),
            time: "2026-12-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn browsers_are_people_and_tools_are_bots() {
        for person in [
            BROWSER_USER_AGENT,
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        ] {
            assert!(!is_bot(person), "{person}");
        }
        for bot in [
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
            "curl/8.5.0",
            "Wget/1.21.4",
            "python-requests/2.32.3",
            "",
        ] {
            assert!(is_bot(bot), "{bot:?}");
        }
    }

    #[test]
    fn only_a_persons_get_of_a_served_page_is_a_view() {
        let ua = BROWSER_USER_AGENT;
        assert_eq!(classify(&message("GET", "/", true, ua)), Kind::View);
        assert_eq!(
            classify(&message("GET", "/about.html", true, ua)),
            Kind::View
        );
        assert_eq!(classify(&message("HEAD", "/", true, ua)), Kind::Request);
        assert_eq!(classify(&message("OPTIONS", "/", true, ua)), Kind::Request);
        assert_eq!(
            classify(&message("GET", "/style.css", true, ua)),
            Kind::Request
        );
        assert_eq!(
            classify(&message("GET", "/wp-login.php", false, ua)),
            Kind::Other
        );
        assert_eq!(
            classify(&message("GET", "/missing", false, ua)),
            Kind::Other
        );
        assert_eq!(
            classify(&message("GET", "/", true, "curl/8.5.0")),
            Kind::Bot
        );
        assert_eq!(
            classify(&message("GET", "/nope", false, "curl/8.5.0")),
            Kind::Bot
        );
    }
}
