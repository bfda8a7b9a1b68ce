-- wrk script for load_test.sh: every request posts one notification with
-- the API key from $API_KEY.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("API_KEY")
wrk.body = '{"ruleset":"load","to":["alice@contoso.com"],"subject":"load","body":"x"}'
