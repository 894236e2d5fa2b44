#include "fetch_account.hpp"

#include <cstdlib>
#include <map>
#include <memory>
#include <optional>

#include "delivery/delivery.hpp"
#include "fetch/account_session.hpp"
#include "fetch/exit_status.hpp"
#include "fetch/message_sink.hpp"
#include "fetch/secret.hpp"
#include "state/account_lock.hpp"
#include "state/uid_store.hpp"

namespace pop3::agent {

std::filesystem::path default_state_dir() {
  const char* xdg = std::getenv("XDG_STATE_HOME");
  if (xdg && *xdg == '/') return std::filesystem::path(xdg) / "pop3";
  return expand_home("~/.local/state/pop3");
}

std::filesystem::path state_file(const std::filesystem::path& state_dir,
                                 const account_config& account) {
  return state_dir / (state_file_stem(account.name) + ".sqlite");
}

std::filesystem::path lock_file(const std::filesystem::path& state_dir,
                                const account_config& account) {
  return state_dir / (state_file_stem(account.name) + ".lock");
}

namespace {

class account_run {
 public:
  account_run(const account_config& account, const fetch_environment& env)
      : account_(account), env_(env), observer_(*env.observer), policy_(policy_of(account)) {}

  account_outcome run() {
    observer_.account_started(account_);
    if (stopping()) {
      // SIGINT/SIGTERM came before this account's turn: it is not started at all, so that the
      // run ends promptly instead of logging in to every account left.
      outcome_.interrupted = true;
      fail(exit_temporary, "interrupted before it was started: nothing was done");
    } else if (prepare() && connect()) {
      std::vector<listed_message> listing;
      bool has_uidl = false;
      fetch_plan plan;
      if (list(listing, has_uidl)) {
        plan = make_plan(policy_, listing, store_->records(), has_uidl, now());
        if (plan.uids_changed)
          report_uids_changed(listing.size());
        else
          transfer(plan);
      }
      finish(plan);
    }
    observer_.account_finished(account_, outcome_);
    return outcome_;
  }

 private:
  std::int64_t now() const {
    if (env_.now) return env_.now();
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  bool stopping() const { return env_.stop && env_.stop->load(); }

  // Records the first failure (it decides the exit code); later ones are only reported.
  bool fail(int code, std::string words) {
    if (outcome_.exit_code == 0) {
      outcome_.exit_code = code;
      outcome_.failure = std::move(words);
    } else {
      observer_.warning(account_, words);
    }
    return false;
  }
  bool fail(const session_failure& f) {
    return fail(exit_code_for(f.cause), describe_failure(f.what, f.cause, f.reply));
  }
  bool fail(std::string_view what, const error& e) {
    if (e.fatal()) session_broken_ = true;
    return fail(exit_code_for(e), describe_failure(what, e, session_->last_reply()));
  }

  // The local side: lock, state, delivery, secret. Nothing touches the network before these
  // are all in hand.
  bool prepare() {
    std::string why;
    auto lock = account_lock::acquire(lock_file(env_.state_dir, account_), why);
    if (!lock) return fail(lock.error().code == errc::timeout ? exit_temporary : exit_io, why);
    lock_.emplace(std::move(*lock));

    uid_store::opened how{};
    auto store = uid_store::open(state_file(env_.state_dir, account_), how, why);
    if (!store) return fail(exit_io, "cannot use the UID state: " + why);
    store_ = std::move(*store);
    if (how == uid_store::opened::replaced)
      observer_.warning(account_, "the UID state was damaged and has been replaced (" + why +
                                      "): messages kept on the server may be fetched again");

    auto destination = open_delivery(
        account_, env_.mbox_lock_timeout,
        [this](const std::string& words) { observer_.warning(account_, words); }, why);
    if (!destination) return fail(exit_io, why);
    delivery_ = std::move(*destination);

    if (account_.auth != auth_mechanism::external) {
      auto secret = read_secret(account_.password, why);
      if (!secret) return fail(exit_config, why);
      secret_ = std::move(*secret);
    }
    return true;
  }

  bool connect() {
    // Named as the user wrote it: an option in URL mode, a key of the configuration file.
    const bool from_command_line = account_.defined_at == defined_on_command_line;
    if (account_.insecure)
      observer_.warning(account_,
                        std::string(from_command_line ? "--insecure" : "insecure = true") +
                            ": the server's certificate is not checked");
    if (account_.tls == tls_mode::none)
      observer_.warning(account_, std::string(from_command_line ? "--tls none" : "tls = \"none\"") +
                                      ": the session crosses the network unencrypted");
    session_failure failure;
    auto s = open_account_session(account_, env_.trace, failure);
    if (!s) return fail(failure);
    session_.emplace(std::move(*s));
    if (!log_in(*session_, account_, std::move(secret_), failure)) return fail(failure);
    return true;
  }

  bool list(std::vector<listed_message>& listing, bool& has_uidl) {
    auto sizes = session_->list();
    if (!sizes) return fail("LIST failed", sizes.error());
    for (const list_entry& e : *sizes)
      listing.push_back({e.message, e.octets, {}});
    const capabilities& caps = session_->protocol().server_capabilities();
    has_uidl = !caps.known() || caps.uidl;
    if (has_uidl && !listing.empty()) {
      auto uids = session_->uidl();
      if (!uids) {
        // -ERR from a server that said nothing about UIDL: a server without it. From one
        // that announced UIDL, or gave UIDs to an earlier run, it is a failure (e.g.
        // [SYS/TEMP]): going on without UIDs would deliver kept messages again.
        if (uids.error().fatal() || caps.known() || !store_->records().empty())
          return fail("UIDL failed", uids.error());
        has_uidl = false;
      } else {
        std::map<std::uint32_t, std::string> by_number;
        for (uidl_entry& e : *uids)
          by_number[e.message] = std::move(e.uid);
        for (listed_message& m : listing)
          if (auto it = by_number.find(m.number); it != by_number.end()) m.uid = it->second;
      }
    }
    if (!has_uidl)
      for (listed_message& m : listing)
        m.uid.clear();
    outcome_.counts.on_server = static_cast<std::uint32_t>(listing.size());
    return true;
  }

  void report_uids_changed(std::size_t on_server) {
    fail(exit_data,
         "none of the " + std::to_string(store_->records().size()) +
             " UIDs recorded for this account is among the server's " + std::to_string(on_server) +
             " messages: the server's UIDs seem to have changed (a migration?). Nothing was "
             "fetched, so as not to deliver the whole mailbox again; to fetch everything "
             "anyway, remove " +
             state_file(env_.state_dir, account_).string());
  }

  void transfer(const fetch_plan& plan) {
    for (const std::string& w : plan.warnings)
      observer_.warning(account_, w);
    std::map<std::uint32_t, const listed_message*> by_number;
    std::vector<std::uint32_t> retrieve, remove;
    for (const listed_message& m : plan.retrieve) {
      by_number[m.number] = &m;
      retrieve.push_back(m.number);
    }
    for (const planned_deletion& d : plan.remove) {
      by_number[d.message.number] = &d.message;
      remove.push_back(d.message.number);
    }
    for (const planned_skip& s : plan.skip)
      observer_.message_skipped(account_, s.message, to_string(s.why));
    outcome_.counts.to_fetch = static_cast<std::uint32_t>(plan.retrieve.size());
    outcome_.counts.bytes_to_fetch = plan.bytes_to_retrieve;
    outcome_.counts.skipped = static_cast<std::uint32_t>(plan.skip.size());
    observer_.planned(account_, outcome_.counts);

    message_sink sink(observer_, account_);
    // Only pipelining can put replies out of step with commands; without it, a size that
    // differs from LIST's is the server's inexactness, worth a warning only.
    const bool exact_size = session_->pipelining();
    batch_steps steps;
    steps.sink_for = [&](std::uint32_t n) -> body_sink& {
      const listed_message& m = *by_number.at(n);
      sink.open(*delivery_, message_info{account_.name, m.uid, n, m.size}, exact_size);
      return sink;
    };
    steps.retrieved = [&](const batch_item& item) {
      const listed_message& m = *by_number.at(item.message);
      if (sink.size_mismatch()) return out_of_step(m, sink.failure());
      return retrieved(m, item, sink.failure(), sink.busy());
    };
    steps.deleted = [&](const batch_item& item) { deleted(*by_number.at(item.message), item); };
    steps.go_on = [&] { return !stop_retrieving_ && !stopping(); };
    // After replies out of step, how the batch ended adds nothing (out_of_step() said it).
    if (auto r = session_->retrieve_and_delete(retrieve, remove, steps);
        !r && !replies_out_of_step_) {
      std::string what = "retrieval failed";
      if (session_->pipelining())
        what += " (with pipelining; if the server mishandles it, set pipelining = \"off\")";
      fail(what, r.error());
    }
    // What was delivered stays delivered, however the batch ended; only messages that may
    // be filed under another's UID (replies out of step) are left unrecorded.
    if (replies_out_of_step_)
      unsettled_.clear();
    else
      settle();
    if (stopping()) {
      outcome_.interrupted = true;
      const std::uint32_t left =
          outcome_.counts.to_fetch - outcome_.counts.delivered - outcome_.counts.failed;
      fail(exit_temporary, "interrupted: " + std::to_string(left) +
                               " messages left on the server for the next run");
    }
  }

  // A pipelined RETR brought a message of another size than LIST's: the server's replies
  // are probably out of step with the commands (one dropped), so this message and any other
  // of this session may have been filed under the wrong UID. Nothing of the session can be
  // trusted: no more records or DELEs, no QUIT (the server then deletes nothing), and the
  // UIDs recorded in this session are forgotten again, so that the next run delivers those
  // messages again (duplicates, never a loss).
  bool out_of_step(const listed_message& m, const std::string& why) {
    ++outcome_.counts.failed;
    if (replies_out_of_step_) return false;
    replies_out_of_step_ = true;
    stop_retrieving_ = true;
    session_broken_ = true;
    // The UIDs recorded in this session may name other messages than were delivered: forget
    // them now, not only at the end of the run, so that a run killed meanwhile does not leave
    // a record by which the next run would delete a message never delivered. (finish() tries
    // again if this fails.)
    std::string why_not;
    if (!recorded_.empty() && store_->forget(recorded_, why_not)) recorded_.clear();
    fail(exit_protocol,
         "message " + std::to_string(m.number) + " was not delivered: " + why +
             "; the server's pipelined replies seem out of step with the commands, so the "
             "session was dropped without QUIT (nothing is deleted) and the messages it "
             "delivered are fetched again by the next run; if this persists, set pipelining "
             "= \"off\" for this server");
    return false;
  }

  // A RETR ended. Returns whether to DELE the message now.
  bool retrieved(const listed_message& m, const batch_item& item, const std::string& why_not,
                 bool delivery_busy) {
    if (replies_out_of_step_) {  // what follows the mismatch is no more trustworthy
      ++outcome_.counts.failed;
      return false;
    }
    const std::string name = "message " + std::to_string(m.number);
    if (!item.outcome) {
      ++outcome_.counts.failed;
      if (item.outcome.error().code == errc::sink_failed) {
        // A local failure (disk full, MDA refusing) will most likely hit the next message
        // too: stop asking for more; what is in flight is still read.
        const std::string words = "cannot deliver " + name + ": " + why_not;
        observer_.message_failed(account_, m, words);
        stop_retrieving_ = true;
        fail(delivery_busy ? exit_temporary : exit_io, words + " (it stays on the server)");
      } else {
        const std::string words =
            describe_failure("RETR of " + name, item.outcome.error(), item.reply);
        observer_.message_failed(account_, m, words);
        fail(exit_code_for(item.outcome.error()), words);
      }
      return false;
    }
    if (item.octets != m.size && item.octets != m.size + 2)
      observer_.warning(account_, name + " is " + std::to_string(item.octets) +
                                      " octets, but LIST said " + std::to_string(m.size));
    unsettled_.push_back({&m, item.octets});  // counted and reported as delivered by settle()
    // A message to delete now must be durable and recorded first. Only a destination that
    // defers durability (a Maildir) lets the others wait for a group to fill, one sync for
    // many: for an mbox or an MDA each message is durable already, and recording its UID at
    // once keeps what a killed run delivers twice to that one message.
    const bool delete_now = delete_after_delivery(policy_);
    if (delete_now || !delivery_->defers_durability() || group_is_full())
      return settle() && delete_now;
    return false;
  }

  bool group_is_full() const {
    std::uint64_t octets = 0;
    for (const unsettled& u : unsettled_)
      octets += u.octets;
    return unsettled_.size() >= max_unsettled_messages || octets >= max_unsettled_octets;
  }

  // Makes the delivered messages not yet settled durable, then records their UIDs, in one
  // transaction. Until then none of them is recorded or deleted: a run that stops before
  // (killed, power cut) fetches them again next time. False if either step failed.
  bool settle() {
    if (unsettled_.empty()) return true;
    std::vector<unsettled> group = std::move(unsettled_);
    unsettled_.clear();
    const bool one = group.size() == 1;
    const std::string which =
        one ? "message " + std::to_string(group.front().message->number) + " was"
            : std::to_string(group.size()) + " messages were";
    const std::string again = one ? "it may be delivered again" : "they may be delivered again";
    std::string why;
    // Until then a message is not reported as delivered: the JSON event says "delivered and
    // its UID recorded", and the counts must agree with what the next run will find.
    const auto failed_group = [&] {
      outcome_.counts.failed += static_cast<std::uint32_t>(group.size());
    };
    if (!delivery_->make_durable(why)) {
      stop_retrieving_ = true;
      failed_group();
      return fail(exit_io, which + " delivered, but not made durable (" + why +
                               "): not recorded and not deleted, " + again);
    }
    std::vector<uid_store::delivered_uid> uids;
    for (const unsettled& u : group) {
      if (u.message->uid.empty()) continue;
      uids.push_back({u.message->uid, u.octets});
      recorded_.push_back(u.message->uid);
    }
    if (!store_->record_deliveries(uids, now(), why)) {
      stop_retrieving_ = true;
      failed_group();
      return fail(exit_io, which + " delivered, but the UIDs could not be recorded (" + why +
                               "): not deleted, " + again);
    }
    for (const unsettled& u : group) {
      ++outcome_.counts.delivered;
      outcome_.counts.bytes_delivered += u.octets;
      observer_.message_delivered(account_, *u.message, u.octets);
    }
    return true;
  }

  void deleted(const listed_message& m, const batch_item& item) {
    if (item.outcome) {
      deletions_.push_back(&m);
      observer_.message_deleted(account_, m);
      return;
    }
    ++outcome_.counts.not_deleted;
    fail(exit_code_for(item.outcome.error()),
         describe_failure("DELE of message " + std::to_string(m.number), item.outcome.error(),
                          item.reply) +
             " (it is retried on the next run)");
  }

  // "the deletion of message 4 did" / "the 3 deletions did"
  std::string deletions_words() const {
    if (deletions_.size() == 1)
      return "the deletion of message " + std::to_string(deletions_.front()->number) + " did";
    return "the " + std::to_string(deletions_.size()) + " deletions did";
  }

  // QUIT commits the deletions (RFC 1939 §6); then the state forgets what is gone.
  void finish(const fetch_plan& plan) {
    std::vector<std::string> forget = plan.forget;
    bool committed = false;
    if (!session_broken_) {
      if (auto q = session_->quit(); q) {
        committed = true;
      } else if (!deletions_.empty()) {
        fail("QUIT failed, so " + deletions_words() + " not take effect (" +
                 (deletions_.size() == 1 ? "it is" : "they are") + " retried on the next run)",
             q.error());
      } else {
        fail("QUIT failed", q.error());
      }
    } else if (!deletions_.empty() && !replies_out_of_step_) {
      observer_.warning(account_, deletions_words() +
                                      " not take effect (the session ended without QUIT); " +
                                      (deletions_.size() == 1 ? "it is" : "they are") +
                                      " retried on the next run");
    }
    if (committed) {
      outcome_.counts.deleted = static_cast<std::uint32_t>(deletions_.size());
      for (const listed_message* m : deletions_)
        if (!m->uid.empty()) forget.push_back(m->uid);
    } else {
      outcome_.counts.not_deleted += static_cast<std::uint32_t>(deletions_.size());
    }
    if (replies_out_of_step_) {
      forget.insert(forget.end(), recorded_.begin(), recorded_.end());
    }
    if (!forget.empty()) {
      std::string why;
      if (!store_->forget(forget, why))
        observer_.warning(
            account_, "cannot update the UID state (" + why + "): it is corrected on the next run");
    }
  }

  const account_config& account_;
  const fetch_environment& env_;
  fetch_observer& observer_;
  const fetch_policy policy_;
  account_outcome outcome_;
  std::optional<account_lock> lock_;
  std::unique_ptr<uid_store> store_;
  std::unique_ptr<delivery> delivery_;
  std::string secret_;
  std::optional<session> session_;
  std::vector<const listed_message*> deletions_;  // DELE accepted, waiting for QUIT
  std::vector<std::string> recorded_;             // UIDs recorded in this session
  // Delivered, not yet durable nor recorded (see settle()); at most this many messages or
  // octets wait in a Maildir: each holds an open file, and a killed run delivers them again.
  struct unsettled {
    const listed_message* message;
    std::uint64_t octets;
  };
  static constexpr std::size_t max_unsettled_messages = 64;
  static constexpr std::uint64_t max_unsettled_octets = 32u << 20;
  std::vector<unsettled> unsettled_;
  bool stop_retrieving_ = false;
  bool session_broken_ = false;
  bool replies_out_of_step_ = false;
};

}  // namespace

account_outcome fetch_account(const account_config& account, const fetch_environment& env) {
  return account_run(account, env).run();
}

}  // namespace pop3::agent
