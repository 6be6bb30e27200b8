#pragma once
/// @file fwd.hpp
/// Forward declarations of the public types, for headers that only name them.

namespace servesim {

class Error;
class ScenarioError;
class UnstableSystemError;
class EngineError;
class NotApplicableError;
class Rng;
class Distribution;
class LatencyHistogram;
struct Host;
struct Server;
struct Phase;
struct Endpoint;
struct Workload;
struct RunConfig;
struct Scenario;
struct ConfidenceInterval;
struct ReplicationResult;
struct Result;
enum class Engine;
struct SimulationOptions;
struct Prediction;

}  // namespace servesim
