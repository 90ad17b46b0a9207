-- Dashboard links of the error groups, moved from /crashes/ to /errors/.
CREATE TABLE IF NOT EXISTS error_links (
    fingerprint text PRIMARY KEY,
    url text NOT NULL
);
INSERT INTO error_links (fingerprint, url)
VALUES ('legacy-import', 'https://dash.example.com/crashes/legacy-import')
ON CONFLICT (fingerprint) DO NOTHING;
UPDATE error_links SET url = replace(url, '/crashes/', '/errors/') WHERE url LIKE '%/crashes/%';
