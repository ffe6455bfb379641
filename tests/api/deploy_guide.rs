//! The deploy guide quotes the files in `deploy/` verbatim, so what the README shows is what the
//! test command runs through nginx, Caddy and `systemd-analyze verify`.

const README: &str = include_str!("../../README.md");

fn assert_quoted(language: &str, name: &str, text: &str) {
    let block = format!("```{language}\n{text}```\n");
    assert!(
        README.contains(&block),
        "README.md does not quote deploy/{name} verbatim in a ```{language} block"
    );
}

#[test]
fn the_readme_quotes_the_nginx_server_block_verbatim() {
    assert_quoted(
        "nginx",
        "nginx.conf",
        include_str!("../../deploy/nginx.conf"),
    );
}

#[test]
fn the_readme_quotes_the_forward_auth_proxy_examples_verbatim() {
    assert_quoted(
        "nginx",
        "forward-auth-nginx.conf",
        include_str!("../../deploy/forward-auth-nginx.conf"),
    );
    assert_quoted(
        "toml",
        "access-rules.toml",
        include_str!("../../deploy/access-rules.toml"),
    );
    assert_quoted(
        "caddyfile",
        "forward-auth.Caddyfile",
        include_str!("../../deploy/forward-auth.Caddyfile"),
    );
    assert_quoted(
        "yaml",
        "forward-auth-traefik.yml",
        include_str!("../../deploy/forward-auth-traefik.yml"),
    );
}

#[test]
fn the_readme_quotes_the_systemd_units_verbatim() {
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
        assert_quoted("ini", name, text);
    }
}
