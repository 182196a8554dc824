package amapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/sirupsen/logrus"

	"github.com/orca-yarn/orca-yarn/logline"
)

type ackBody struct {
	LastSeq uint64 `json:"last_seq"`
}

// handleLinesPost takes one launcher's NDJSON stream of lines (POST /v1/lines?container=ID)
// and appends them as they arrive; when the body ends it answers with the container's last
// stored seq, which is the launcher's acknowledgement.
func (s *server) handleLinesPost(w http.ResponseWriter, r *http.Request) {
	container := r.URL.Query().Get("container")
	if container == "" || len(container) > maxSourceField {
		s.writeError(w, r, http.StatusBadRequest, codeBadRequest)
		return
	}
	log := s.log.WithField("container", container)
	rr := newRecordReader(r.Body)
	batch := make([]logline.Line, 0, lineBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := s.backend.AppendLines(batch)
		batch = batch[:0]
		return err
	}
	for {
		rec, err := rr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		var l logline.Line
		if err == nil {
			l, err = decodeLine(rec)
		}
		if err == nil && l.Source.Container != container {
			err = fmt.Errorf("%w: line of container %q in the stream of %q", errBadRecord, l.Source.Container, container)
		}
		if err != nil {
			// Keep what arrived intact: the launcher re-sends from the acknowledged seq.
			if ferr := flush(); ferr != nil {
				log.WithError(ferr).Error("amapi: append lines")
			}
			if r.Context().Err() != nil || !errors.Is(err, errBadRecord) {
				log.WithError(err).Debug("amapi: line stream cut")
				return
			}
			log.WithError(err).Warn("amapi: bad line stream")
			s.writeError(w, r, http.StatusBadRequest, codeBadRequest)
			return
		}
		batch = append(batch, l)
		// Append at once when nothing more is waiting: a quiet stream stays live, a busy one
		// is appended in batches.
		if len(batch) == lineBatch || !rr.buffered() {
			if err := flush(); err != nil {
				log.WithError(err).Error("amapi: append lines")
				s.writeError(w, r, http.StatusInternalServerError, codeInternal)
				return
			}
		}
	}
	if err := flush(); err != nil {
		log.WithError(err).Error("amapi: append lines")
		s.writeError(w, r, http.StatusInternalServerError, codeInternal)
		return
	}
	s.writeJSON(w, r, http.StatusOK, ackBody{LastSeq: s.backend.LastSeq(container)})
}

// handleLinesAck answers GET /v1/lines/ack?container=ID with the last stored seq.
func (s *server) handleLinesAck(w http.ResponseWriter, r *http.Request) {
	container := r.URL.Query().Get("container")
	if container == "" {
		s.writeError(w, r, http.StatusBadRequest, codeBadRequest)
		return
	}
	s.writeJSON(w, r, http.StatusOK, ackBody{LastSeq: s.backend.LastSeq(container)})
}

// handleLinesFollow streams the hub to a client (GET /v1/lines?from=C&follow=1) as NDJSON
// followRecords, ending with {"end":true} when the hub has no more to give, so a client can
// tell a finished stream from a cut one.
func (s *server) handleLinesFollow(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var from Cursor
	if v := q.Get("from"); v != "" {
		c, err := strconv.ParseInt(v, 10, 64)
		if err != nil || c < 0 {
			s.writeError(w, r, http.StatusBadRequest, codeBadRequest)
			return
		}
		from = c
	}
	follow, err := parseBool(q.Get("follow"))
	if err != nil {
		s.writeError(w, r, http.StatusBadRequest, codeBadRequest)
		return
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", ndjsonMediaType)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	// Headers now, so the client's Do returns even when no line comes for a while.
	_ = rc.Flush()
	enc := json.NewEncoder(w)
	err = s.backend.FollowLines(r.Context(), from, follow, func(c Cursor, l logline.Line) error {
		if err := enc.Encode(followRecord{Cursor: &c, Line: &l}); err != nil {
			return err
		}
		if follow {
			return rc.Flush()
		}
		return nil
	})
	if r.Context().Err() != nil {
		return
	}
	end := followRecord{End: true}
	if err != nil {
		s.log.WithError(err).WithFields(logrus.Fields{"from": from, "follow": follow}).Error("amapi: follow lines")
		end = followRecord{Error: codeInternal}
	}
	_ = enc.Encode(end)
}

// parseBool accepts what people type in a URL: "", 0, 1, true, false.
func parseBool(v string) (bool, error) {
	if v == "" {
		return false, nil
	}
	return strconv.ParseBool(v)
}
