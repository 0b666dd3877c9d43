use std::{net::SocketAddr, path::PathBuf, time::Duration};

use allot_server::{
    AppState, WebConfig, db, delivery, demo, expiry,
    links::InvitationLinks,
    pools::{self, PoolCommand},
    retention, router, serve,
    simulate::{self, Outcome, SimulateClient},
};
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// The Allot server: the JSON API and, with --static, the console.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Without one, the server runs.
    #[command(subcommand)]
    command: Option<Command>,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "ALLOT_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Database URL; a missing SQLite file is created.
    #[arg(long, env = "ALLOT_DB", default_value = "sqlite://allot.db")]
    db: String,
    /// Directory of the built console (Trunk's dist/) to serve.
    #[arg(long = "static", env = "ALLOT_STATIC")]
    static_dir: Option<PathBuf>,
    /// Seed the demo organization when the database is empty.
    #[arg(long, env = "ALLOT_DEMO")]
    demo: bool,
    /// Active members of the demo organization; removed members, invitations, licenses,
    /// seats and machines grow in proportion.
    #[arg(long, env = "ALLOT_DEMO_MEMBERS", default_value_t = 250,
          value_parser = clap::value_parser!(u32).range(4..))]
    demo_members: u32,
    /// Origins allowed to frame the console (CSP frame-ancestors), e.g. "https://portal.example".
    #[arg(long, env = "ALLOT_FRAME_ANCESTORS")]
    frame_ancestors: Option<String>,
    /// An origin ("https://portal.example") whose pages may call the API with bearer tokens
    /// (an embedded console); repeat it for several. Cookies are never allowed cross-origin.
    #[arg(long = "cors-origin", env = "ALLOT_CORS_ORIGINS", value_delimiter = ',',
          value_parser = parse_origin)]
    cors_origins: Vec<axum::http::HeaderValue>,
    /// Behind a load balancer or reverse proxy: throttle sign-ins by the last address of
    /// X-Forwarded-For (the one the balancer adds) instead of the connection's. Only with a
    /// balancer that sets it, or clients could claim any address.
    #[arg(long, env = "ALLOT_TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
    /// The secret that signs invitation links, shared by every server of a deployment; created
    /// when missing [default: allot.secret beside the SQLite database file].
    #[arg(long, env = "ALLOT_SECRET_FILE")]
    secret_file: Option<PathBuf>,
    /// The address people open the console at, for links in emails [default: http:// (or
    /// https:// with --tls-cert) and the listen address].
    #[arg(long, env = "ALLOT_PUBLIC_URL")]
    public_url: Option<String>,
    /// Send the outbox by SMTP, e.g. "smtps://user:password@smtp.example.com" or
    /// "smtp://smtp.example.com:587?tls=required" [default: mails stay in the outbox and the log].
    #[arg(long, env = "ALLOT_SMTP_URL")]
    smtp_url: Option<String>,
    /// Log queued mails with their activation links, so that a demo operator without SMTP
    /// can open them. Anyone who reads the log can then accept any invitation: never in
    /// production.
    #[arg(long, env = "ALLOT_DEV_LOG_LINKS")]
    dev_log_links: bool,
    /// Serve HTTPS with this certificate chain (PEM), with --tls-key. Safari keeps the
    /// session cookie only over HTTPS, even on 127.0.0.1.
    #[arg(long, env = "ALLOT_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, env = "ALLOT_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Keep audit entries this many days, then forget them (checked hourly). Without it, the
    /// audit log is kept forever.
    #[arg(long, env = "ALLOT_AUDIT_RETENTION_DAYS", value_parser = clap::value_parser!(u32).range(1..))]
    audit_retention_days: Option<u32>,
    /// Over HTTPS, Strict-Transport-Security also covers every subdomain of this host.
    #[arg(long, env = "ALLOT_HSTS_INCLUDE_SUBDOMAINS")]
    hsts_include_subdomains: bool,
    /// Seconds a client has to send a request's head, and that an idle keep-alive
    /// connection stays open.
    #[arg(long, env = "ALLOT_HEADER_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=300))]
    header_timeout_secs: u32,
    /// Connections one client address may hold open at once (0: no cap). Not applied with
    /// --trust-forwarded-for, where every connection comes from the balancer: cap there.
    #[arg(long, env = "ALLOT_MAX_CONNECTIONS_PER_CLIENT", default_value_t = 256)]
    max_connections_per_client: u32,
    /// The sender of the mails.
    #[arg(
        long,
        env = "ALLOT_MAIL_FROM",
        default_value = "Allot <no-reply@localhost>"
    )]
    mail_from: lettre::message::Mailbox,
}

/// An origin as browsers send it: scheme, host and port, nothing else.
fn parse_origin(value: &str) -> Result<axum::http::HeaderValue, String> {
    let (scheme, rest) = value
        .split_once("://")
        .ok_or("an origin starts with http:// or https://")?;
    if !matches!(scheme, "http" | "https") || rest.is_empty() || rest.contains('/') {
        return Err(format!(
            "\"{value}\" is not an origin: write the scheme, host and port only, e.g. \
             https://portal.example"
        ));
    }
    axum::http::HeaderValue::from_str(value).map_err(|error| error.to_string())
}

#[derive(Subcommand)]
enum Command {
    /// Manage the license pools (seats) of organizations' products.
    #[command(subcommand)]
    Pool(PoolCommand),
    /// Act as a licensed product: sign in, activate, heartbeat, release. Exits with 3 when
    /// the server ends the session.
    SimulateClient(SimulateClient),
    /// Write a self-signed certificate for localhost, 127.0.0.1 and ::1 (cert.pem, key.pem)
    /// into a folder, for --tls-cert and --tls-key in development; kept when already there.
    DevCert {
        #[arg(long)]
        out: PathBuf,
    },
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("ALLOT_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();

    // The simulated product talks to a server over HTTP; it needs no database.
    if let Some(Command::SimulateClient(args)) = &cli.command {
        if simulate::run(args).await? == Outcome::Terminated {
            std::process::exit(3);
        }
        return Ok(());
    }
    if let Some(Command::DevCert { out }) = &cli.command {
        let (cert, key) = allot_server::tls::write_dev_cert(out)
            .map_err(|error| format!("writing a certificate into {}: {error}", out.display()))?;
        println!("{} {}", cert.display(), key.display());
        return Ok(());
    }
    let db = db::open(&cli.db).await?;
    if let Some(Command::Pool(command)) = cli.command {
        println!("{}", pools::run(&db, command).await?);
        return Ok(());
    }
    let tls = match (&cli.tls_cert, &cli.tls_key) {
        (Some(cert), Some(key)) => Some(allot_server::tls::config(cert, key)?),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let listener = tokio::net::TcpListener::bind(cli.listen).await?;
    let public_url = match cli.public_url {
        Some(url) => url,
        None => format!("{scheme}://{}", listener.local_addr()?),
    };
    let secret = allot_server::secret::load(cli.secret_file.as_deref(), &cli.db)?;
    let links = InvitationLinks::new(secret, &public_url).logging_links(cli.dev_log_links);
    if cli.demo {
        let started = std::time::Instant::now();
        if demo::seed_if_empty_with(&db, &links, cli.demo_members as usize).await? {
            demo::activate_licenses(&db, &links)
                .await
                .map_err(|error| format!("activating the demo's licenses: {error:?}"))?;
            println!(
                "Seeded the demo organization \"{}\" ({} active members) in {:.2} s.",
                demo::ORGANIZATION,
                cli.demo_members,
                started.elapsed().as_secs_f64()
            );
        }
        println!(
            "Demo sign-in: {} / {} (also {}, {}, {} for the other roles)",
            demo::OWNER_EMAIL,
            demo::PASSWORD,
            demo::ADMIN_EMAIL,
            demo::MEMBER_EMAIL,
            demo::BILLING_EMAIL
        );
    }
    let state = AppState::new(db.clone(), links);
    expiry::spawn(&state);
    retention::spawn_describing_old_entries(db.clone());
    if let Some(days) = cli.audit_retention_days {
        retention::spawn(db.clone(), days);
    }
    if let Some(url) = &cli.smtp_url {
        let transport = delivery::transport(url)?;
        delivery::spawn(db, state.links.clone(), transport, cli.mail_from.clone());
    }
    let config = WebConfig {
        static_dir: cli.static_dir,
        frame_ancestors: cli.frame_ancestors,
        trust_forwarded_for: cli.trust_forwarded_for,
        cors_origins: cli.cors_origins,
    };
    // Tests and scripts read this line to find the port.
    println!("Allot listening on {scheme}://{}", listener.local_addr()?);
    match serve::raise_open_files_limit() {
        Ok(limit) => tracing::debug!("open files limit: {limit}"),
        Err(error) => tracing::warn!("could not raise the open files limit: {error}"),
    }
    let options = serve::Options {
        tls,
        hsts_include_subdomains: cli.hsts_include_subdomains,
        limits: serve::Limits {
            header_read: Duration::from_secs(cli.header_timeout_secs.into()),
            connections_per_client: if cli.trust_forwarded_for {
                0
            } else {
                cli.max_connections_per_client as usize
            },
            ..serve::Limits::default()
        },
    };
    allot_server::serve(listener, router(state, &config), options, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
