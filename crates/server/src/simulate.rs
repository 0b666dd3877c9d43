//! `allot-server simulate-client`: a licensed product on the command line, for trying the
//! demo and for scripts. It signs in, activates, heartbeats and releases as a product would.

use std::time::Duration;

use allot_core::{
    ActivateRequest, ActivateResponse, ActivationMode, ActivationRef, ErrorBody, HeartbeatResponse,
    OrgId, ProductId, Session, SignInRequest, licensing::HEARTBEAT_INTERVAL_SECS,
};
use clap::{Args, ValueEnum};
use reqwest::{Client, Response, StatusCode};
use serde::{Serialize, de::DeserializeOwned};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// What the simulated product asks of the server.
#[derive(Args, Clone, Debug)]
pub struct SimulateClient {
    /// The server's address.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// The member's account.
    #[arg(long)]
    pub email: String,
    #[arg(long, env = "ALLOT_PASSWORD")]
    pub password: String,
    /// The organization's id.
    #[arg(long)]
    pub org: OrgId,
    /// The product's id.
    #[arg(long)]
    pub product: ProductId,
    #[arg(long)]
    pub machine_id: String,
    /// [default: the machine ID in lower case]
    #[arg(long)]
    pub hostname: Option<String>,
    #[arg(long, value_enum, default_value_t = Mode::Online)]
    pub mode: Mode,
    /// Heartbeats to send (online only) before releasing the session.
    #[arg(long, default_value_t = 3)]
    pub heartbeats: u32,
    /// Seconds between heartbeats.
    #[arg(long, default_value_t = HEARTBEAT_INTERVAL_SECS as f64)]
    pub interval_secs: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    Online,
    Offline,
}

/// How a simulation ended, when the server answered as the License API does.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every heartbeat was answered and the session released (or the offline license kept).
    Finished,
    /// The server ended the session (410 `session_terminated`): the product must stop.
    Terminated,
}

/// Runs the simulated product, printing what the server answers.
pub async fn run(args: &SimulateClient) -> Result<Outcome, Error> {
    let client = Client::new();
    let base = args.url.trim_end_matches('/');
    let sign_in = SignInRequest {
        email: args.email.clone(),
        password: args.password.clone(),
        bearer: true,
    };
    let response = client
        .post(format!("{base}/api/v1/session"))
        .json(&sign_in)
        .send()
        .await?;
    let session: Session = answer(response).await?;
    let product = Product {
        client,
        token: session.token.ok_or("the server returned no bearer token")?,
        license_url: format!("{base}/api/v1/orgs/{}/license", args.org),
    };

    let request = ActivateRequest {
        product_id: args.product,
        machine_id: args.machine_id.clone(),
        hostname: args
            .hostname
            .clone()
            .unwrap_or_else(|| args.machine_id.to_lowercase()),
        mode: match args.mode {
            Mode::Online => ActivationMode::Online,
            Mode::Offline => ActivationMode::Offline,
        },
    };
    let activation: ActivateResponse = answer(product.post("activate", &request).await?).await?;
    println!("Activated: activation {}", activation.activation_id);
    if let Some(license) = &activation.license {
        println!("{}", serde_json::to_string_pretty(license)?);
        return Ok(Outcome::Finished);
    }
    let session = ActivationRef {
        activation_id: activation.activation_id,
    };
    for n in 1..=args.heartbeats {
        tokio::time::sleep(Duration::from_secs_f64(args.interval_secs)).await;
        let response = product.post("heartbeat", &session).await?;
        if response.status() == StatusCode::GONE {
            let error: ErrorBody = response.json().await?;
            println!("Heartbeat {n}: session terminated: {}", error.error.message);
            return Ok(Outcome::Terminated);
        }
        let heartbeat: HeartbeatResponse = answer(response).await?;
        println!("Heartbeat {n}: {}", heartbeat.status);
    }
    let response = product.post("release", &session).await?;
    if !response.status().is_success() {
        return Err(failure(response).await);
    }
    println!("Released activation {}", activation.activation_id);
    Ok(Outcome::Finished)
}

/// The signed-in product's calls to the License API.
struct Product {
    client: Client,
    token: String,
    license_url: String,
}

impl Product {
    async fn post(&self, action: &str, body: &impl Serialize) -> reqwest::Result<Response> {
        self.client
            .post(format!("{}/{action}", self.license_url))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
    }
}

/// The answer's body, or the server's error as the error.
async fn answer<T: DeserializeOwned>(response: Response) -> Result<T, Error> {
    if response.status().is_success() {
        Ok(response.json().await?)
    } else {
        Err(failure(response).await)
    }
}

async fn failure(response: Response) -> Error {
    let status = response.status();
    match response.json::<ErrorBody>().await {
        Ok(body) => format!("{status}: {} ({})", body.error.message, body.error.code).into(),
        Err(_) => format!("the server answered {status}").into(),
    }
}
