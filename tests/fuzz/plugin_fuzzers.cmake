# libFuzzer targets of the Microsoft 365 plugin (issue 5), included by
# CMakeLists.txt: what the plugin reads from the network or from a person.
# Seeds are in corpus/<name without fuzz_>/.
if(NOT TARGET m365_oauth_smtp_core)
  return()
endif()
add_fuzzer(fuzz_token_response SOURCES fuzz_token_response.cpp LIBS m365_oauth_smtp_core)
add_fuzzer(fuzz_jwt_claims SOURCES fuzz_jwt_claims.cpp LIBS m365_oauth_smtp_core)
add_fuzzer(fuzz_smtp_reply SOURCES fuzz_smtp_reply.cpp LIBS m365_oauth_smtp_core)
add_fuzzer(fuzz_m365_settings SOURCES fuzz_m365_settings.cpp LIBS m365_oauth_smtp_core)
