//! The outbox goes out by SMTP: a small SMTP server on loopback receives the invitation, and
//! a server that refuses leaves the mail for a later try with the reason recorded.

use crate::common::*;
use allot_server::delivery;
use serde_json::json;
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
    sync::mpsc,
};

/// An SMTP server that answers `reply_to_data` to each message and hands over what it got.
async fn smtp_server(reply_to_data: &'static str) -> (String, mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let (received, messages) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let received = received.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 test ESMTP\r\n").await.unwrap();
                let mut message = String::new();
                let mut in_data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            received.send(std::mem::take(&mut message)).unwrap();
                            write.write_all(reply_to_data.as_bytes()).await.unwrap();
                        } else {
                            message.push_str(&line);
                            message.push('\n');
                        }
                        continue;
                    }
                    let reply: &[u8] = match line
                        .get(..4)
                        .unwrap_or_default()
                        .to_ascii_uppercase()
                        .as_str()
                    {
                        "EHLO" | "HELO" => b"250 test\r\n",
                        "DATA" => {
                            in_data = true;
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (url, messages)
}

async fn invite_ann(server: &TestServer) {
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let response = server
        .post(&format!("/api/v1/orgs/{ACME_QA}/invitations"))
        .bearer_auth(&token)
        .json(&json!({ "emails": ["ann@new.example"], "role": "member" }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
}

fn from() -> lettre::message::Mailbox {
    "Allot <no-reply@allot.example>".parse().unwrap()
}

#[tokio::test]
async fn the_invitation_goes_out_by_smtp_once() {
    let server = TestServer::start().await;
    invite_ann(&server).await;
    let (url, mut messages) = smtp_server("250 queued\r\n").await;
    let transport = delivery::transport(&url).unwrap();

    assert_eq!(
        delivery::deliver_pending(&server.db, &server.links, &transport, &from())
            .await
            .unwrap(),
        1
    );
    let message = messages.recv().await.unwrap();
    assert!(message.contains("To: ann@new.example"), "{message}");
    assert!(
        message.contains("From: Allot <no-reply@allot.example>"),
        "{message}"
    );
    assert!(message.contains("invited you to join Acme QA"), "{message}");
    assert!(message.contains("/join/"), "{message}");
    // Sent once: a second round finds nothing due.
    assert_eq!(
        delivery::deliver_pending(&server.db, &server.links, &transport, &from())
            .await
            .unwrap(),
        0
    );
    let unsent: i64 = db::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")
        .fetch_one(&server.db)
        .await
        .unwrap();
    assert_eq!(unsent, 0);
}

#[tokio::test]
async fn a_refused_mail_stays_in_the_outbox_with_why() {
    let server = TestServer::start().await;
    invite_ann(&server).await;
    let (url, _messages) = smtp_server("550 mailbox unavailable\r\n").await;
    let transport = delivery::transport(&url).unwrap();

    assert_eq!(
        delivery::deliver_pending(&server.db, &server.links, &transport, &from())
            .await
            .unwrap(),
        0
    );
    let (sent_at, attempts, last_error): (Option<i64>, i64, Option<String>) = db::query_as(
        "SELECT sent_at, attempts, last_error FROM outbox WHERE recipient = 'ann@new.example'",
    )
    .fetch_one(&server.db)
    .await
    .unwrap();
    assert_eq!(sent_at, None);
    assert_eq!(attempts, 1);
    assert!(last_error.unwrap().contains("550"));
    // Not retried at once: the failed claim holds it back for a while.
    assert_eq!(
        delivery::deliver_pending(&server.db, &server.links, &transport, &from())
            .await
            .unwrap(),
        0
    );
    let attempts: i64 =
        db::query_scalar("SELECT attempts FROM outbox WHERE recipient = 'ann@new.example'")
            .fetch_one(&server.db)
            .await
            .unwrap();
    assert_eq!(attempts, 1);
}
