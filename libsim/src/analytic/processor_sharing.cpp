#include "servesim/analytic/processor_sharing.hpp"

#include "analytic/require.hpp"
#include "servesim/analytic/erlang.hpp"

namespace servesim {

double mg1_ps_mean_response(double arrival_rate, double mean_work) {
  detail::require_non_negative("mg1_ps_mean_response", "arrival_rate", arrival_rate);
  detail::require_positive("mg1_ps_mean_response", "mean_work", mean_work);
  const double rho = arrival_rate * mean_work;
  detail::require_stable("mg1_ps_mean_response", rho);
  return mean_work / (1.0 - rho);
}

double mgc_ps_mean_response(double arrival_rate, double mean_work, int cores) {
  detail::require_non_negative("mgc_ps_mean_response", "arrival_rate", arrival_rate);
  detail::require_positive("mgc_ps_mean_response", "mean_work", mean_work);
  detail::require_at_least("mgc_ps_mean_response", "cores", cores, 1);
  detail::require_stable("mgc_ps_mean_response", arrival_rate * mean_work / cores);
  // Same number-in-system process as M/M/c (see the header), hence the same E[T].
  return mmc(arrival_rate, 1.0 / mean_work, cores).mean_response;
}

}  // namespace servesim
