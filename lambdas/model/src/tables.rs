//! The tables' key design.

/// Totals: one item, `pk = "site"`, with the counters; and one item,
/// `pk = "top_pages"`, with the most viewed pages.
pub mod totals {
    /// Partition key attribute.
    pub const PK: &str = "pk";
    /// The partition key value of the one totals item.
    pub const SITE: &str = "site";
    /// Page views counted.
    pub const VISITS: &str = "visits";
    /// Distinct client IPs seen.
    pub const UNIQUE_VISITORS: &str = "unique_visitors";
    /// Requests by people for what the site serves (pages and assets).
    pub const REQUESTS: &str = "requests";
    /// Requests by crawlers and tools (by user agent), never views.
    pub const BOT_REQUESTS: &str = "bot_requests";
    /// Requests for paths the site does not serve (their paths not kept).
    pub const OTHER_REQUESTS: &str = "other_requests";
    /// The partition key value of the top pages item.
    pub const TOP_PAGES: &str = "top_pages";
    /// The top pages item's map of page to views.
    pub const PAGES: &str = "pages";
    /// The top pages item's version (its conditional writes compare it).
    pub const VERSION: &str = "version";
    /// Pages the top pages item keeps.
    pub const TOP_KEPT: usize = 10;
}

/// Visitors: one item per client IP (raw or hashed).
pub mod visitors {
    /// Partition key attribute: the IP, or its salted hash.
    pub const PK: &str = "ip";
    /// Requests from this IP.
    pub const COUNT: &str = "count";
    /// First request (RFC 3339).
    pub const FIRST_SEEN: &str = "first_seen";
    /// Latest request (RFC 3339).
    pub const LAST_SEEN: &str = "last_seen";
    /// Expiry (epoch seconds, the table's TTL attribute).
    pub const EXPIRES_AT: &str = "expires_at";
    /// Page requests from this IP.
    pub const PAGE_VIEWS: &str = "visits";
    /// Digests of this IP's latest visit IDs, oldest first (how the
    /// processor tells a redelivered visit from a new one), each commit's
    /// followed by the commit's token marked with [`TOKEN_MARK`] (how a call
    /// whose update landed but whose reply was lost knows it was its own).
    pub const RECENT: &str = "recent";
    /// What starts the key of a day's salt item (`~salt:2026-12-01`, for
    /// `ip_storage = "hashed"`; never an address).
    pub const SALT_PREFIX: &str = "~salt:";
    /// The salt of a salt item.
    pub const SALT: &str = "salt";
    /// What starts the key of a dedupe bucket (`ip_storage = "none"`): the
    /// visits whose digests begin with one character share one item.
    pub const BUCKET_PREFIX: &str = "~bucket:";
    /// What starts a commit token in [`RECENT`] (never a digest's character).
    pub const TOKEN_MARK: char = '~';
    /// The token of the commit that brought this visitor's first page view
    /// (set once): whether a commit made a unique visitor, even when its
    /// reply was lost.
    pub const FIRST_VIEW: &str = "first_view";
}

/// What the processor's additions leave on the path and totals items.
pub mod aggregates {
    /// Writer attributes start with this: `w_` and 10 characters (4 for the
    /// hour the writer began, 6 random), holding the stamp of the writer's
    /// latest addition to the item. An addition is conditional on its
    /// writer attribute not holding its stamp yet, so applying it twice
    /// applies it once.
    pub const WRITER_PREFIX: &str = "w_";
}

/// Paths: one item per path the site serves (never one it does not).
pub mod paths {
    /// Partition key attribute.
    pub const PK: &str = "path";
    /// Requests for this path (by people).
    pub const COUNT: &str = "count";
    /// Views of this page: GET requests by people.
    pub const VIEWS: &str = "views";
    /// Whether the path is a page (true) or an asset (false).
    pub const PAGE: &str = "page";
}

/// Connections: one item per open WebSocket connection.
pub mod connections {
    /// Partition key attribute.
    pub const PK: &str = "connection_id";
    /// Expiry (epoch seconds, the table's TTL attribute).
    pub const EXPIRES_AT: &str = "expires_at";
}
