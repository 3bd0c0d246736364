// Google Benchmark for the CWMP codec (cwmp/codec.h). Run in a Release build:
//
//   cmake -S . -B /tmp/build-bench -DCMAKE_BUILD_TYPE=Release -DRURU_TESTS=ON
//   cmake --build /tmp/build-bench --target cwmp_codec_bench -j2
//   /tmp/build-bench/tests/bench/cwmp_codec_bench --benchmark_repetitions=3
//       --benchmark_report_aggregates_only=true
//
// items/s counts messages; BM_DecodeGetParameterValuesResponse1000 and
// BM_EncodeGetParameterValues50 also report params/s. Results and the goal (>= 25,000 Inform
// decodes/s on one core) are in docs/performance.md.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "cwmp/codec.h"
#include "cwmp/messages.h"
#include "cwmp/prescan.h"

namespace {

using namespace ruru::cwmp;

// A TR-181 home gateway's BOOT Inform: 2 events, the 16 forced and configured parameters of a
// typical ACS setup, indented as many CPE stacks send it. About 3.8 KB.
constexpr std::string_view kInform16 = R"xml(<?xml version="1.0" encoding="UTF-8"?>
<soap-env:Envelope xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:cwmp="urn:dslforum-org:cwmp-1-2">
  <soap-env:Header>
    <cwmp:ID soap-env:mustUnderstand="1">1f3a9c02</cwmp:ID>
  </soap-env:Header>
  <soap-env:Body>
    <cwmp:Inform>
      <DeviceId>
        <Manufacturer>ACME Networks</Manufacturer>
        <OUI>00D09E</OUI>
        <ProductClass>HGW-5000ax</ProductClass>
        <SerialNumber>ACME5K0012345678</SerialNumber>
      </DeviceId>
      <Event soap-enc:arrayType="cwmp:EventStruct[2]">
        <EventStruct>
          <EventCode>1 BOOT</EventCode>
          <CommandKey></CommandKey>
        </EventStruct>
        <EventStruct>
          <EventCode>4 VALUE CHANGE</EventCode>
          <CommandKey></CommandKey>
        </EventStruct>
      </Event>
      <MaxEnvelopes>1</MaxEnvelopes>
      <CurrentTime>2026-11-28T03:18:45.917+01:00</CurrentTime>
      <RetryCount>0</RetryCount>
      <ParameterList soap-enc:arrayType="cwmp:ParameterValueStruct[16]">
        <ParameterValueStruct><Name>Device.RootDataModelVersion</Name><Value xsi:type="xsd:string">2.15</Value></ParameterValueStruct>
        <ParameterValueStruct><Name>Device.DeviceInfo.HardwareVersion</Name><Value xsi:type="xsd:string">HGW5K-B2</Value></ParameterValueStruct>
        <ParameterValueStruct><Name>Device.DeviceInfo.SoftwareVersion</Name><Value xsi:type="xsd:string">5.4.2-build.20261104</Value></ParameterValueStruct>
        <ParameterValueStruct><Name>Device.DeviceInfo.ProvisioningCode</Name><Value xsi:type="xsd:string">RES.FTTH.500</Value></ParameterValueStruct>
        <ParameterValueStruct><Name>Device.DeviceInfo.UpTime</Name><Value xsi:type="xsd:unsignedInt">87</Value></ParameterValueStruct>
        <ParameterValueStruct><Name>Device.ManagementServer.ParameterKey</Name><Value xsi:type="xsd:string">cfg-2026-11-27-01</Value></ParameterValueStruct>
        <ParameterValueStruct><Name>Device.ManagementServer.ConnectionRequestURL</Name><Value xsi:type="xsd:string">http://100.64.17.23:7547/cr/ACME5K0012345678</Value></ParameterValueStruct>
        <ParameterValueStruct><Name>Device.ManagementServer.PeriodicInformEnable</Name><Value xsi:type="xsd:boolean">true</Value></ParameterValueStruct>
        <ParameterValueStruct><Name>Device.ManagementServer.PeriodicInformInterval</Name><Value xsi:type="xsd:unsignedInt">3600</Value></ParameterValueStruct>
        <ParameterValueStruct><Name>Device.IP.Interface.1.IPv4Address.1.IPAddress</Name><Value xsi:type="xsd:string">100.64.17.23</Value></ParameterValueStruct>
        <ParameterValueStruct><Name>Device.IP.Interface.1.IPv6Address.1.IPAddress</Name><Value xsi:type="xsd:string">2001:db8:4f1:200::1</Value></ParameterValueStruct>
        <ParameterValueStruct><Name>Device.WiFi.SSID.1.SSID</Name><Value xsi:type="xsd:string">ACME-5K-5678 &amp; Guests</Value></ParameterValueStruct>
        <ParameterValueStruct><Name>Device.WiFi.Radio.1.Channel</Name><Value xsi:type="xsd:unsignedInt">36</Value></ParameterValueStruct>
        <ParameterValueStruct><Name>Device.Ethernet.Interface.1.Stats.BytesReceived</Name><Value xsi:type="xsd:unsignedLong">18446744069414584320</Value></ParameterValueStruct>
        <ParameterValueStruct><Name>Device.Time.CurrentLocalTime</Name><Value xsi:type="xsd:dateTime">2026-11-28T03:18:45+01:00</Value></ParameterValueStruct>
        <ParameterValueStruct><Name>Device.DeviceInfo.TemperatureStatus.TemperatureSensor.1.Value</Name><Value xsi:type="xsd:int">-4</Value></ParameterValueStruct>
      </ParameterList>
    </cwmp:Inform>
  </soap-env:Body>
</soap-env:Envelope>
)xml";

// Decodes kInform16 once and checks the result, so a broken codec fails loudly instead of timing
// an error path.
bool InformDecodesAsExpected(benchmark::State& state) {
  auto d = Decode(kInform16);
  if (!d) {
    state.SkipWithError(("Inform fixture does not decode: " + d.error().message).c_str());
    return false;
  }
  const auto* inform = std::get_if<Inform>(&d->envelope.body);
  if (inform == nullptr || inform->parameters.size() != 16 || inform->events.size() != 2) {
    state.SkipWithError("Inform fixture decoded to something unexpected");
    return false;
  }
  return true;
}

void SetThroughput(benchmark::State& state, size_t bytes_per_iteration) {
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes_per_iteration));
}

// ---- Inform: the message every session starts with ---------------------------------------------
void BM_DecodeInform(benchmark::State& state) {
  if (!InformDecodesAsExpected(state)) return;
  for (auto _ : state) {
    auto d = Decode(kInform16);
    benchmark::DoNotOptimize(d);
  }
  SetThroughput(state, kInform16.size());
  state.SetLabel(std::to_string(kInform16.size()) + " B, 16 params");
}
BENCHMARK(BM_DecodeInform);

// Same work on 1 and 2 threads: each thread has its own gSOAP context (codec.cpp ThreadSoap), so
// the aggregate rate should grow with the cores. Wall-clock time, summed over the threads.
void BM_DecodeInformThreads(benchmark::State& state) {
  if (!InformDecodesAsExpected(state)) return;
  for (auto _ : state) {
    auto d = Decode(kInform16);
    benchmark::DoNotOptimize(d);
  }
  SetThroughput(state, kInform16.size());
}
BENCHMARK(BM_DecodeInformThreads)->Threads(1)->Threads(2)->UseRealTime();

// A minimal CPE -> ACS message: what a decode costs whatever the size (context reset, envelope).
constexpr std::string_view kSetParameterValuesResponse =
    R"xml(<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-2"><soap-env:Header><cwmp:ID soap-env:mustUnderstand="1">spv-0001</cwmp:ID></soap-env:Header><soap-env:Body><cwmp:SetParameterValuesResponse><Status>0</Status></cwmp:SetParameterValuesResponse></soap-env:Body></soap-env:Envelope>)xml";

void BM_DecodeSetParameterValuesResponse(benchmark::State& state) {
  auto check = Decode(kSetParameterValuesResponse);
  if (!check || std::get_if<SetParameterValuesResponse>(&check->envelope.body) == nullptr) {
    state.SkipWithError("SetParameterValuesResponse fixture does not decode");
    return;
  }
  for (auto _ : state) {
    auto d = Decode(kSetParameterValuesResponse);
    benchmark::DoNotOptimize(d);
  }
  SetThroughput(state, kSetParameterValuesResponse.size());
  state.SetLabel(std::to_string(kSetParameterValuesResponse.size()) + " B");
}
BENCHMARK(BM_DecodeSetParameterValuesResponse);

// The byte-level screening alone (prescan.h), to tell it apart from the gSOAP parse in a profile.
void BM_PrescanInform(benchmark::State& state) {
  for (auto _ : state) {
    auto s = internal::Screen(kInform16, 1 << 20, 64);
    benchmark::DoNotOptimize(s);
  }
  SetThroughput(state, kInform16.size());
}
BENCHMARK(BM_PrescanInform);

// ---- ACS -> CPE messages -----------------------------------------------------------------------
void BM_EncodeInformResponse(benchmark::State& state) {
  Envelope env;
  env.ns = Namespace::kCwmp12;
  env.id = "1f3a9c02";
  env.body = InformResponse{1};
  size_t bytes = 0;
  for (auto _ : state) {
    auto out = Encode(env);
    if (!out) {
      state.SkipWithError(out.error().message.c_str());
      break;
    }
    bytes = out->size();
    benchmark::DoNotOptimize(out);
  }
  SetThroughput(state, bytes);
}
BENCHMARK(BM_EncodeInformResponse);

GetParameterValues Names50() {
  static constexpr std::string_view kLeaves[] = {
      "Status", "Enable", "Name", "LastChange", "Stats.BytesSent",
      "Stats.BytesReceived", "Stats.PacketsSent", "Stats.PacketsReceived", "Stats.ErrorsSent", "Alias"};
  static constexpr std::string_view kObjects[] = {"Device.IP.Interface.", "Device.Ethernet.Interface.",
                                                  "Device.WiFi.SSID.", "Device.WiFi.Radio.",
                                                  "Device.PPP.Interface."};
  GetParameterValues gpv;
  for (size_t i = 0; i < 50; ++i) {
    gpv.names.push_back(std::string(kObjects[i % 5]) + std::to_string(i / 10 + 1) + "." + std::string(kLeaves[i % 10]));
  }
  return gpv;
}

void BM_EncodeGetParameterValues50(benchmark::State& state) {
  Envelope env;
  env.ns = Namespace::kCwmp12;
  env.id = "gpv-0001";
  env.body = Names50();
  size_t bytes = 0;
  for (auto _ : state) {
    auto out = Encode(env);
    if (!out) {
      state.SkipWithError(out.error().message.c_str());
      break;
    }
    bytes = out->size();
    benchmark::DoNotOptimize(out);
  }
  SetThroughput(state, bytes);
  state.counters["params/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * 50,
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EncodeGetParameterValues50);

// ---- A big CPE -> ACS response -----------------------------------------------------------------
// 1,000 ParameterValueStructs of mixed types, as a GetParameterValues on "Device." returns them.
std::string GetParameterValuesResponse1000(std::string* error) {
  GetParameterValuesResponse r;
  r.parameters.reserve(1000);
  for (uint32_t i = 0; i < 1000; ++i) {
    const std::string obj = "Device.Hosts.Host." + std::to_string(i / 8 + 1) + ".";
    ParameterValueStruct p;
    switch (i % 8) {
      case 0: p = {obj + "PhysAddress", ParameterValue::String("02:00:5e:10:" + std::to_string(10 + i % 90) + ":ab")}; break;
      case 1: p = {obj + "IPAddress", ParameterValue::String("192.0.2." + std::to_string(i % 250 + 1))}; break;
      case 2: p = {obj + "HostName", ParameterValue::String("laptop-" + std::to_string(i) + " <guest & co>")}; break;
      case 3: p = {obj + "Active", ParameterValue::Boolean(i % 3 != 0)}; break;
      case 4: p = {obj + "LeaseTimeRemaining", ParameterValue::Int(static_cast<int32_t>(i * 37) - 5000)}; break;
      case 5: p = {obj + "X_ACME_RSSI", ParameterValue::UnsignedInt(i * 1000003u)}; break;
      case 6: p = {obj + "X_ACME_BytesSent", ParameterValue::UnsignedLong(uint64_t{i} * 4294967311ull)}; break;
      default: p = {obj + "X_ACME_LastSeen", ParameterValue::DateTime("2026-11-28T03:18:45Z")}; break;
    }
    r.parameters.push_back(std::move(p));
  }
  Envelope env;
  env.ns = Namespace::kCwmp12;
  env.id = "gpv-0002";
  env.body = std::move(r);
  auto out = Encode(env);
  if (!out) {
    *error = out.error().message;
    return {};
  }
  return *out;
}

void BM_DecodeGetParameterValuesResponse1000(benchmark::State& state) {
  std::string error;
  const std::string xml = GetParameterValuesResponse1000(&error);
  if (xml.empty()) {
    state.SkipWithError(("cannot build the message: " + error).c_str());
    return;
  }
  auto check = Decode(xml);
  if (!check || std::get_if<GetParameterValuesResponse>(&check->envelope.body) == nullptr ||
      std::get<GetParameterValuesResponse>(check->envelope.body).parameters.size() != 1000) {
    state.SkipWithError("the generated GetParameterValuesResponse does not decode to 1,000 parameters");
    return;
  }
  for (auto _ : state) {
    auto d = Decode(xml);
    benchmark::DoNotOptimize(d);
  }
  SetThroughput(state, xml.size());
  state.counters["params/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * 1000,
                                                  benchmark::Counter::kIsRate);
  state.SetLabel(std::to_string(xml.size()) + " B");
}
BENCHMARK(BM_DecodeGetParameterValuesResponse1000);

// ---- Issue 3 additions: attributes and scheduled firmware ---------------------------------------
// 1,000 ParameterAttributeStructs, as a GetParameterAttributes on "Device." returns them.
Envelope GetParameterAttributesResponse1000() {
  GetParameterAttributesResponse r;
  r.parameters.reserve(1000);
  for (uint32_t i = 0; i < 1000; ++i) {
    ParameterAttribute a;
    a.name = "Device.Hosts.Host." + std::to_string(i / 8 + 1) + ".X_ACME_Field" + std::to_string(i % 8);
    a.notification = static_cast<int>(i % 3);
    if (i % 4 == 0) a.access_list = {"Subscriber"};
    r.parameters.push_back(std::move(a));
  }
  Envelope env;
  env.ns = Namespace::kCwmp12;
  env.id = "gpa-0001";
  env.body = std::move(r);
  return env;
}

void BM_EncodeGetParameterAttributesResponse1000(benchmark::State& state) {
  const Envelope env = GetParameterAttributesResponse1000();
  auto check = Encode(env);
  if (!check) {
    state.SkipWithError(("cannot encode: " + check.error().message).c_str());
    return;
  }
  for (auto _ : state) {
    auto out = Encode(env);
    benchmark::DoNotOptimize(out);
  }
  SetThroughput(state, check->size());
  state.counters["params/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * 1000,
                                                  benchmark::Counter::kIsRate);
  state.SetLabel(std::to_string(check->size()) + " B");
}
BENCHMARK(BM_EncodeGetParameterAttributesResponse1000);

void BM_DecodeGetParameterAttributesResponse1000(benchmark::State& state) {
  auto xml = Encode(GetParameterAttributesResponse1000());
  if (!xml) {
    state.SkipWithError(("cannot encode: " + xml.error().message).c_str());
    return;
  }
  auto check = Decode(*xml);
  if (!check || std::get_if<GetParameterAttributesResponse>(&check->envelope.body) == nullptr ||
      std::get<GetParameterAttributesResponse>(check->envelope.body).parameters.size() != 1000) {
    state.SkipWithError("the generated GetParameterAttributesResponse does not decode to 1,000 parameters");
    return;
  }
  for (auto _ : state) {
    auto d = Decode(*xml);
    benchmark::DoNotOptimize(d);
  }
  SetThroughput(state, xml->size());
  state.counters["params/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * 1000,
                                                  benchmark::Counter::kIsRate);
  state.SetLabel(std::to_string(xml->size()) + " B");
}
BENCHMARK(BM_DecodeGetParameterAttributesResponse1000);

// A firmware ScheduleDownload with two windows: "at any time" tonight, then "confirmation needed".
Envelope AScheduleDownload() {
  ScheduleDownload d;
  d.command_key = "fw-5.4.3-wave-2";
  d.file_type = "1 Firmware Upgrade Image";
  d.url = "https://fw.example.net/acme/hgw5000ax/5.4.3/image.bin?exp=1764400000&sig=3f9a0c7e";
  d.username = "cpe-00D09E-ACME5K0012345678";
  d.password = "s3cr3t-download-token";
  d.file_size = 38912345;
  d.target_file_name = "image.bin";
  d.time_windows = {TimeWindow{3600, 14400, "1 At Any Time", "", 3},
                    TimeWindow{14400, 86400, "4 Confirmation Needed", "A firmware update is ready. Install now?", -1}};
  Envelope env;
  env.ns = Namespace::kCwmp12;
  env.id = "sd-0001";
  env.body = std::move(d);
  return env;
}

void BM_EncodeScheduleDownload(benchmark::State& state) {
  const Envelope env = AScheduleDownload();
  auto check = Encode(env);
  if (!check) {
    state.SkipWithError(("cannot encode: " + check.error().message).c_str());
    return;
  }
  for (auto _ : state) {
    auto out = Encode(env);
    benchmark::DoNotOptimize(out);
  }
  SetThroughput(state, check->size());
  state.SetLabel(std::to_string(check->size()) + " B");
}
BENCHMARK(BM_EncodeScheduleDownload);

void BM_DecodeScheduleDownload(benchmark::State& state) {
  auto xml = Encode(AScheduleDownload());
  if (!xml) {
    state.SkipWithError(("cannot encode: " + xml.error().message).c_str());
    return;
  }
  auto check = Decode(*xml);
  if (!check || !(check->envelope == AScheduleDownload())) {
    state.SkipWithError("the ScheduleDownload does not round-trip");
    return;
  }
  for (auto _ : state) {
    auto d = Decode(*xml);
    benchmark::DoNotOptimize(d);
  }
  SetThroughput(state, xml->size());
  state.SetLabel(std::to_string(xml->size()) + " B");
}
BENCHMARK(BM_DecodeScheduleDownload);

}  // namespace

BENCHMARK_MAIN();
