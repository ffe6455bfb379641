//! The guides quote the files in `deploy/` verbatim, so what `docs/deploy.md` and
//! `docs/many-instances.md` show is what the test command runs through nginx, Caddy, Traefik and
//! `systemd-analyze verify`.

const DEPLOY_GUIDE: &str = include_str!("../../docs/deploy.md");
const MANY_INSTANCES_GUIDE: &str = include_str!("../../docs/many-instances.md");

fn assert_quoted(guide: (&str, &str), language: &str, name: &str, text: &str) {
    let (guide_path, guide_text) = guide;
    let block = format!("```{language}\n{text}```\n");
    assert!(
        guide_text.contains(&block),
        "{guide_path} does not quote deploy/{name} verbatim in a ```{language} block"
    );
}

const DEPLOY: (&str, &str) = ("docs/deploy.md", DEPLOY_GUIDE);

#[test]
fn the_deploy_guide_quotes_the_nginx_server_block_verbatim() {
    assert_quoted(
        DEPLOY,
        "nginx",
        "nginx.conf",
        include_str!("../../deploy/nginx.conf"),
    );
}

#[test]
fn the_deploy_guide_quotes_the_forward_auth_proxy_examples_verbatim() {
    assert_quoted(
        DEPLOY,
        "nginx",
        "forward-auth-nginx.conf",
        include_str!("../../deploy/forward-auth-nginx.conf"),
    );
    assert_quoted(
        DEPLOY,
        "nginx",
        "forward-auth-nginx-map.conf",
        include_str!("../../deploy/forward-auth-nginx-map.conf"),
    );
    assert_quoted(
        DEPLOY,
        "toml",
        "access-rules.toml",
        include_str!("../../deploy/access-rules.toml"),
    );
    assert_quoted(
        DEPLOY,
        "caddyfile",
        "forward-auth.Caddyfile",
        include_str!("../../deploy/forward-auth.Caddyfile"),
    );
    assert_quoted(
        DEPLOY,
        "yaml",
        "forward-auth-traefik.yml",
        include_str!("../../deploy/forward-auth-traefik.yml"),
    );
}

#[test]
fn the_deploy_guide_quotes_the_systemd_units_verbatim() {
    let units = [
        (
            "latchkey.service",
            include_str!("../../deploy/latchkey.service"),
        ),
        (
            "latchkey-backup.service",
            include_str!("../../deploy/latchkey-backup.service"),
        ),
        (
            "latchkey-backup.timer",
            include_str!("../../deploy/latchkey-backup.timer"),
        ),
    ];
    for (name, text) in units {
        assert_quoted(DEPLOY, "ini", name, text);
    }
}

#[test]
fn the_many_instances_guide_quotes_the_nginx_block_for_three_instances_verbatim() {
    assert_quoted(
        ("docs/many-instances.md", MANY_INSTANCES_GUIDE),
        "nginx",
        "nginx-many.conf",
        include_str!("../../deploy/nginx-many.conf"),
    );
}
