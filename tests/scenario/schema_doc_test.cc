// docs/scenario.md is the schema reference users read; it must name every field of every
// message reachable from burnrate.v1.Scenario (CONTRACT.md: "checked against the .proto").
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "burnrate/v1/scenario.pb.h"
#include "google/protobuf/descriptor.pb.h"

namespace burnrate {
namespace {

void Collect(const google::protobuf::Descriptor* d, std::set<const google::protobuf::Descriptor*>* seen) {
  if (d->options().map_entry()) return;  // a map's synthetic entry type, not user-facing
  if (!seen->insert(d).second) return;
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i)->message_type() != nullptr) Collect(d->field(i)->message_type(), seen);
  }
}

TEST_CASE("docs/scenario.md documents every scenario message and field", "[scenario][docs]") {
  std::ifstream in(std::string(BURNRATE_SOURCE_DIR) + "/docs/scenario.md");
  REQUIRE(in.good());
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string doc = buf.str();
  std::set<const google::protobuf::Descriptor*> messages;
  Collect(burnrate::v1::Scenario::descriptor(), &messages);
  CHECK(messages.size() >= 12);
  for (const auto* m : messages) {
    INFO("message " << m->name());
    CHECK(doc.find(m->name()) != std::string::npos);
    for (int i = 0; i < m->field_count(); ++i) {
      INFO("field " << m->name() << "." << m->field(i)->name());
      CHECK(doc.find("`" + m->field(i)->name() + "`") != std::string::npos);
    }
  }
}

}  // namespace
}  // namespace burnrate
