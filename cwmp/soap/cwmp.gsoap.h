// gSOAP interface header for CWMP (TR-069). soapcpp2 generates the serializers from this file at
// build time (cwmp/CMakeLists.txt); the generated code is never committed.
//
// gSOAP is used as a structure parser/serializer only. Every leaf is a string on purpose: numbers,
// booleans and dateTimes are parsed by cwmp/codec.cpp, which tolerates real CPE dialects and turns
// bad values into clear errors. Arrays are std::vector plus an explicit SOAP-ENC:arrayType attribute
// (gSOAP's native SOAP-encoded arrays trust the declared size: a memory-exhaustion hole).
// Element names inside cwmp types are unqualified (elementFormDefault="unqualified" in the schemas).

//gsoap SOAP-ENV schema namespace: http://schemas.xmlsoap.org/soap/envelope/
//gsoap SOAP-ENC schema namespace: http://schemas.xmlsoap.org/soap/encoding/
//gsoap cwmp schema namespace: urn:dslforum-org:cwmp-1-0
//gsoap cwmp schema elementForm: unqualified
//gsoap cwmp schema attributeForm: unqualified

#import "stlvector.h"

typedef std::string xsd__string;
// A QName is rewritten by gSOAP to the prefixes of our namespace table, whatever prefix the peer
// bound: "xsd:string" comes out the same for the 1999 and 2001 XMLSchema namespaces.
typedef std::string xsd__QName;

// ---- SOAP header ---------------------------------------------------------------------------
struct SOAP_ENV__Header {
  mustUnderstand xsd__string* cwmp__ID 0;
  mustUnderstand xsd__string* cwmp__HoldRequests 0;
  xsd__string* cwmp__NoMoreRequests 0;  // deprecated since CWMP 1.1, tolerated
  xsd__string* cwmp__SessionTimeout 0;           // CWMP 1.3: seconds, CPE -> ACS
  xsd__string* cwmp__SupportedCWMPVersions 0;    // CWMP 1.4: "1.0,1.1,1.2,1.3,1.4", CPE -> ACS
  mustUnderstand xsd__string* cwmp__UseCWMPVersion 0;  // CWMP 1.4: "1.4", ACS -> CPE
};

// ---- Common structures ---------------------------------------------------------------------
// <Value xsi:type="xsd:int">42</Value>
struct cwmp__Value {
  xsd__string __item;
  @xsd__QName xsi__type 0;
};

struct cwmp__ParameterValueStruct {
  xsd__string Name 0;
  struct cwmp__Value Value 0;
};

struct cwmp__ParameterValueList {
  @xsd__string SOAP_ENC__arrayType 0;
  std::vector<struct cwmp__ParameterValueStruct> ParameterValueStruct 0;
};

// Arrays of xsd:string (ParameterNames, MethodList): items are <string>.
struct cwmp__StringList {
  @xsd__string SOAP_ENC__arrayType 0;
  std::vector<xsd__string> string 0;
};

struct cwmp__DeviceIdStruct {
  xsd__string Manufacturer 0;
  xsd__string OUI 0;
  xsd__string ProductClass 0;
  xsd__string SerialNumber 0;
};

struct cwmp__EventStruct {
  xsd__string EventCode 0;
  xsd__string CommandKey 0;
};

struct cwmp__EventList {
  @xsd__string SOAP_ENC__arrayType 0;
  std::vector<struct cwmp__EventStruct> EventStruct 0;
};

struct cwmp__ParameterInfoStruct {
  xsd__string Name 0;
  xsd__string Writable 0;
};

struct cwmp__ParameterInfoList {
  @xsd__string SOAP_ENC__arrayType 0;
  std::vector<struct cwmp__ParameterInfoStruct> ParameterInfoStruct 0;
};

struct cwmp__FaultStruct {
  xsd__string FaultCode 0;
  xsd__string FaultString 0;
};

// ---- RPC bodies (the element tag is given at the call site: "cwmp:<Name>") ------------------
struct cwmp__Inform {
  struct cwmp__DeviceIdStruct DeviceId 0;
  struct cwmp__EventList Event 0;
  xsd__string MaxEnvelopes 0;
  xsd__string CurrentTime 0;
  xsd__string RetryCount 0;
  struct cwmp__ParameterValueList ParameterList 0;
};

struct cwmp__InformResponse {
  xsd__string MaxEnvelopes 0;
};

struct cwmp__GetRPCMethods {
  // no content
};

struct cwmp__GetRPCMethodsResponse {
  struct cwmp__StringList MethodList 0;
};

struct cwmp__GetParameterNames {
  xsd__string ParameterPath 0;
  xsd__string NextLevel 0;
};

struct cwmp__GetParameterNamesResponse {
  struct cwmp__ParameterInfoList ParameterList 0;
};

struct cwmp__GetParameterValues {
  struct cwmp__StringList ParameterNames 0;
};

struct cwmp__GetParameterValuesResponse {
  struct cwmp__ParameterValueList ParameterList 0;
};

struct cwmp__SetParameterValues {
  struct cwmp__ParameterValueList ParameterList 0;
  xsd__string ParameterKey 0;
};

struct cwmp__SetParameterValuesResponse {
  xsd__string Status 0;
};

struct cwmp__TransferComplete {
  xsd__string CommandKey 0;
  struct cwmp__FaultStruct FaultStruct 0;
  xsd__string StartTime 0;
  xsd__string CompleteTime 0;
};

struct cwmp__TransferCompleteResponse {
  // no content
};

// ---- Attributes, objects, reboot, reset ---------------------------------------------------
struct cwmp__GetParameterAttributes {
  struct cwmp__StringList ParameterNames 0;
};

struct cwmp__ParameterAttributeStruct {
  xsd__string Name 0;
  xsd__string Notification 0;
  struct cwmp__StringList AccessList 0;
};

struct cwmp__ParameterAttributeList {
  @xsd__string SOAP_ENC__arrayType 0;
  std::vector<struct cwmp__ParameterAttributeStruct> ParameterAttributeStruct 0;
};

struct cwmp__GetParameterAttributesResponse {
  struct cwmp__ParameterAttributeList ParameterList 0;
};

struct cwmp__SetParameterAttributesStruct {
  xsd__string Name 0;
  xsd__string NotificationChange 0;
  xsd__string Notification 0;
  xsd__string AccessListChange 0;
  struct cwmp__StringList AccessList 0;
};

struct cwmp__SetParameterAttributesList {
  @xsd__string SOAP_ENC__arrayType 0;
  std::vector<struct cwmp__SetParameterAttributesStruct> SetParameterAttributesStruct 0;
};

struct cwmp__SetParameterAttributes {
  struct cwmp__SetParameterAttributesList ParameterList 0;
};

struct cwmp__SetParameterAttributesResponse {
  // no content
};

struct cwmp__AddObject {
  xsd__string ObjectName 0;
  xsd__string ParameterKey 0;
};

struct cwmp__AddObjectResponse {
  xsd__string InstanceNumber 0;
  xsd__string Status 0;
};

struct cwmp__DeleteObject {
  xsd__string ObjectName 0;
  xsd__string ParameterKey 0;
};

struct cwmp__DeleteObjectResponse {
  xsd__string Status 0;
};

struct cwmp__Reboot {
  xsd__string CommandKey 0;
};

struct cwmp__RebootResponse {
  // no content
};

struct cwmp__FactoryReset {
  // no content
};

struct cwmp__FactoryResetResponse {
  // no content
};

struct cwmp__ScheduleInform {
  xsd__string DelaySeconds 0;
  xsd__string CommandKey 0;
};

struct cwmp__ScheduleInformResponse {
  // no content
};

// ---- File transfers ------------------------------------------------------------------------
struct cwmp__Download {
  xsd__string CommandKey 0;
  xsd__string FileType 0;
  xsd__string URL 0;
  xsd__string Username 0;
  xsd__string Password 0;
  xsd__string FileSize 0;
  xsd__string TargetFileName 0;
  xsd__string DelaySeconds 0;
  xsd__string SuccessURL 0;
  xsd__string FailureURL 0;
};

struct cwmp__DownloadResponse {
  xsd__string Status 0;
  xsd__string StartTime 0;
  xsd__string CompleteTime 0;
};

struct cwmp__Upload {
  xsd__string CommandKey 0;
  xsd__string FileType 0;
  xsd__string URL 0;
  xsd__string Username 0;
  xsd__string Password 0;
  xsd__string DelaySeconds 0;
};

struct cwmp__UploadResponse {
  xsd__string Status 0;
  xsd__string StartTime 0;
  xsd__string CompleteTime 0;
};

struct cwmp__TimeWindowStruct {
  xsd__string WindowStart 0;
  xsd__string WindowEnd 0;
  xsd__string WindowMode 0;
  xsd__string UserMessage 0;
  xsd__string MaxRetries 0;
};

struct cwmp__TimeWindowList {
  @xsd__string SOAP_ENC__arrayType 0;
  std::vector<struct cwmp__TimeWindowStruct> TimeWindowStruct 0;
};

struct cwmp__ScheduleDownload {
  xsd__string CommandKey 0;
  xsd__string FileType 0;
  xsd__string URL 0;
  xsd__string Username 0;
  xsd__string Password 0;
  xsd__string FileSize 0;
  xsd__string TargetFileName 0;
  struct cwmp__TimeWindowList TimeWindowList 0;
};

struct cwmp__ScheduleDownloadResponse {
  // no content
};

struct cwmp__CancelTransfer {
  xsd__string CommandKey 0;
};

struct cwmp__CancelTransferResponse {
  // no content
};

struct cwmp__GetQueuedTransfers {
  // no content
};

struct cwmp__QueuedTransferStruct {
  xsd__string CommandKey 0;
  xsd__string State 0;
};

struct cwmp__TransferList {
  @xsd__string SOAP_ENC__arrayType 0;
  std::vector<struct cwmp__QueuedTransferStruct> QueuedTransferStruct 0;
};

struct cwmp__GetQueuedTransfersResponse {
  struct cwmp__TransferList TransferList 0;
};

struct cwmp__GetAllQueuedTransfers {
  // no content
};

struct cwmp__AllQueuedTransferStruct {
  xsd__string CommandKey 0;
  xsd__string State 0;
  xsd__string IsDownload 0;
  xsd__string FileType 0;
  xsd__string FileSize 0;
  xsd__string TargetFileName 0;
};

struct cwmp__AllTransferList {
  @xsd__string SOAP_ENC__arrayType 0;
  std::vector<struct cwmp__AllQueuedTransferStruct> AllQueuedTransferStruct 0;
};

struct cwmp__GetAllQueuedTransfersResponse {
  struct cwmp__AllTransferList TransferList 0;
};

// ---- Software modules ----------------------------------------------------------------------
// <Operations xsi:type="cwmp:InstallOpStruct"> ... : the abstract OperationStruct and its three
// extensions flattened into one struct; the kind comes from xsi:type. The members are pointers
// (absent = not sent) in an order that gives each kind its schema order when only its own members
// are set: Install = URL, UUID, Username, Password, ExecutionEnvRef; Update = UUID, Version, URL_,
// Username, Password; Uninstall = UUID, Version, ExecutionEnvRef. (URL_ is the element "URL"; on
// input gSOAP fills whichever is free, in any order.) Some stacks send the SOAP-array form,
// <Operations><InstallOpStruct>...</InstallOpStruct></Operations>: the nested vectors accept that.
struct cwmp__OperationStruct {
  @xsd__QName xsi__type 0;
  std::vector<struct cwmp__OperationStruct> InstallOpStruct 0;
  std::vector<struct cwmp__OperationStruct> UpdateOpStruct 0;
  std::vector<struct cwmp__OperationStruct> UninstallOpStruct 0;
  xsd__string* URL 0;
  xsd__string* UUID 0;
  xsd__string* Version 0;
  xsd__string* URL_ 0;
  xsd__string* Username 0;
  xsd__string* Password 0;
  xsd__string* ExecutionEnvRef 0;
};

struct cwmp__ChangeDUState {
  std::vector<struct cwmp__OperationStruct> Operations 0;
  xsd__string CommandKey 0;
};

struct cwmp__ChangeDUStateResponse {
  // no content
};

// ---- CPE -> ACS reports ----------------------------------------------------------------------
struct cwmp__AutonomousTransferComplete {
  xsd__string AnnounceURL 0;
  xsd__string TransferURL 0;
  xsd__string IsDownload 0;
  xsd__string FileType 0;
  xsd__string FileSize 0;
  xsd__string TargetFileName 0;
  struct cwmp__FaultStruct FaultStruct 0;
  xsd__string StartTime 0;
  xsd__string CompleteTime 0;
};

struct cwmp__AutonomousTransferCompleteResponse {
  // no content
};

struct cwmp__ArgStruct {
  xsd__string Name 0;
  xsd__string Value 0;
};

struct cwmp__FileTypeArg {
  @xsd__string SOAP_ENC__arrayType 0;
  std::vector<struct cwmp__ArgStruct> ArgStruct 0;
};

struct cwmp__RequestDownload {
  xsd__string FileType 0;
  struct cwmp__FileTypeArg FileTypeArg 0;
};

struct cwmp__RequestDownloadResponse {
  // no content
};

struct cwmp__OpResultStruct {
  xsd__string UUID 0;
  xsd__string DeploymentUnitRef 0;
  xsd__string Version 0;
  xsd__string CurrentState 0;
  xsd__string Resolved 0;
  xsd__string ExecutionUnitRefList 0;
  xsd__string StartTime 0;
  xsd__string CompleteTime 0;
  struct cwmp__FaultStruct Fault 0;
  xsd__string* OperationPerformed 0;  // AutonOpResultStruct only (absent otherwise)
};

struct cwmp__DUStateChangeComplete {
  std::vector<struct cwmp__OpResultStruct> Results 0;
  xsd__string CommandKey 0;
};

struct cwmp__DUStateChangeCompleteResponse {
  // no content
};

struct cwmp__AutonomousDUStateChangeComplete {
  std::vector<struct cwmp__OpResultStruct> Results 0;
};

struct cwmp__AutonomousDUStateChangeCompleteResponse {
  // no content
};

struct cwmp__Kicked {
  xsd__string Command 0;
  xsd__string Referer 0;
  xsd__string Arg 0;
  xsd__string Next 0;
};

struct cwmp__KickedResponse {
  xsd__string NextURL 0;
};

// ---- Faults --------------------------------------------------------------------------------
struct cwmp__SetParameterValuesFault {
  xsd__string ParameterName 0;
  xsd__string FaultCode 0;
  xsd__string FaultString 0;
};

// <cwmp:Fault> inside the SOAP fault detail.
struct cwmp__Fault {
  xsd__string FaultCode 0;
  xsd__string FaultString 0;
  std::vector<struct cwmp__SetParameterValuesFault> SetParameterValuesFault 0;
};

struct cwmp__FaultDetail {
  struct cwmp__Fault* cwmp__Fault_ 0;
};

// <SOAP-ENV:Fault>. faultcode is a plain string: sloppy stacks send it unqualified ("Client").
// The detail comes as <detail> (SOAP 1.1), or qualified as <SOAP-ENV:detail>; some stacks put
// <cwmp:Fault> straight into the Fault, hence cwmp__Fault_.
struct cwmp__SoapFault {
  xsd__string faultcode 0;
  xsd__string faultstring 0;
  struct cwmp__FaultDetail* detail 0;
  struct cwmp__FaultDetail* SOAP_ENV__detail 0;
  struct cwmp__Fault* cwmp__Fault_ 0;
};
